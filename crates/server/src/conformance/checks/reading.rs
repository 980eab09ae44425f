//! Read-only checks: authentication refusals, errors, filters and paging.

use reqwest::Method;
use serde_json::Value;

use super::super::client::Auth;
use super::super::{Checked, Ctx, ensure, filter};
use crate::outbound::Reply;

const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// An RFC 7644 §3.12 error answer with `status`: the Error schema, `status` (a string, or a
/// number as many servers send), a `detail`, as SCIM JSON.
pub(crate) fn scim_error(reply: &Reply, status: u16, what: &str) -> Checked {
    ensure!(
        reply.status == status,
        "{what} answered {} instead of {status}",
        reply.summary()
    );
    let body = reply.body();
    ensure!(
        body["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|u| u == ERROR_SCHEMA)),
        "{what}: the {status} answer has no SCIM error body (schemas lacks {ERROR_SCHEMA})"
    );
    let said = match &body["status"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    ensure!(
        said == status.to_string(),
        "{what}: the error body's status is {}, not \"{status}\"",
        body["status"]
    );
    ensure!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{what}: the error body has no detail"
    );
    ensure!(
        reply.media_type.as_deref() == Some("application/scim+json"),
        "{what}: the error's Content-Type is {:?}, not application/scim+json",
        reply.media_type.as_deref().unwrap_or("none")
    );
    Ok(())
}

/// A ListResponse with integer paging numbers; answers its `totalResults` and `Resources`.
pub(crate) fn list(reply: &Reply, what: &str) -> Result<(u64, Vec<Value>), super::super::Verdict> {
    ensure!(
        reply.status == 200,
        "{what} answered {} instead of 200",
        reply.summary()
    );
    let body = reply.body();
    ensure!(
        body["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|u| u == LIST_SCHEMA)),
        "{what}: not a ListResponse (schemas lacks {LIST_SCHEMA})"
    );
    let total = body["totalResults"].as_u64();
    ensure!(
        total.is_some(),
        "{what}: totalResults is {}, not an integer",
        body["totalResults"]
    );
    let resources = body["Resources"].as_array().cloned().unwrap_or_default();
    if !resources.is_empty() {
        ensure!(
            body["startIndex"].as_u64().is_some() && body["itemsPerPage"].as_u64().is_some(),
            "{what}: startIndex and itemsPerPage must be integers (they are {} and {})",
            body["startIndex"],
            body["itemsPerPage"]
        );
    }
    Ok((total.unwrap_or_default(), resources))
}

/// A wrong credential gets 401 with a SCIM error body; no credential too.
pub(crate) async fn unauthenticated(c: &mut Ctx) -> Checked {
    let path = format!("/Users?{}", filter("userName eq \"nobody@example.com\""));
    let reply = c
        .client
        .send_with(Method::GET, &path, None, Auth::Literal("non-token"), "")
        .await;
    scim_error(&reply, 401, "a request with Authorization: non-token")?;
    let reply = c
        .client
        .send_with(Method::GET, "/Users?count=1", None, Auth::None, "")
        .await;
    ensure!(
        reply.status == 401,
        "a request without Authorization answered {}",
        reply.summary()
    );
    Ok(())
}

/// An unknown id is 404 with a SCIM error body.
pub(crate) async fn unknown_id(c: &mut Ctx) -> Checked {
    let reply = c.get("/Users/00919288221112222").await;
    scim_error(&reply, 404, "GET /Users/00919288221112222")
}

/// A filter that matches nothing is 200 with an empty ListResponse, never 404.
pub(crate) async fn empty_filter(c: &mut Ctx) -> Checked {
    let nobody = format!("{}-nobody@example.com", c.unique("absent"));
    for endpoint in ["/Users", "/Groups"] {
        let attribute = if endpoint == "/Users" {
            "userName"
        } else {
            "displayName"
        };
        let reply = c
            .get(&format!(
                "{endpoint}?{}",
                filter(&format!("{attribute} eq \"{nobody}\""))
            ))
            .await;
        let (total, resources) = list(&reply, &format!("a filter on {endpoint} matching nothing"))?;
        ensure!(
            total == 0 && resources.is_empty(),
            "a filter on {endpoint} matching nothing answered totalResults {total}"
        );
    }
    Ok(())
}

/// A filter on an attribute no schema defines is 400 invalidFilter.
pub(crate) async fn unknown_filter_attribute(c: &mut Ctx) -> Checked {
    let reply = c
        .get(&format!("/Users?{}", filter("noSuchAttribute eq \"x\"")))
        .await;
    scim_error(&reply, 400, "a filter on noSuchAttribute")?;
    ensure!(
        reply.body()["scimType"] == "invalidFilter",
        "a filter on noSuchAttribute answered scimType {} instead of invalidFilter",
        reply.body()["scimType"]
    );
    Ok(())
}

/// A `count` above the largest page is answered with a full page, not an error.
pub(crate) async fn count_capped(c: &mut Ctx) -> Checked {
    let reply = c.get("/Users?count=100000").await;
    let (_, resources) = list(&reply, "GET /Users?count=100000")?;
    let per_page = reply.body()["itemsPerPage"].as_u64();
    if let Some(n) = per_page {
        ensure!(
            usize::try_from(n).is_ok_and(|n| n == resources.len()),
            "itemsPerPage is {n} but {} resources came",
            resources.len()
        );
    }
    if c.profile == scim_console_core::ClientProfile::Strict {
        ensure!(
            resources.len() <= 1000,
            "{} users in one page; IPSIE AL2 §6.1.5 caps pages at 1,000",
            resources.len()
        );
    }
    Ok(())
}

/// Index paging: two pages of one hold different resources and agree on the total; `count` of
/// 100 is honoured when there are that many.
pub(crate) async fn paging(c: &mut Ctx) -> Checked {
    let first = c.get("/Users?startIndex=1&count=1").await;
    let (total, page_1) = list(&first, "GET /Users?startIndex=1&count=1")?;
    if total < 2 {
        return Err(super::super::Verdict::Skip(format!(
            "the endpoint holds {total} user(s); paging needs two (allow writes, or check an endpoint with users)"
        )));
    }
    ensure!(
        page_1.len() == 1,
        "count=1 answered {} resources",
        page_1.len()
    );
    let second = c.get("/Users?startIndex=2&count=1").await;
    let (total_2, page_2) = list(&second, "GET /Users?startIndex=2&count=1")?;
    ensure!(
        page_2.len() == 1 && page_2[0]["id"] != page_1[0]["id"],
        "pages 1 and 2 (count=1) hold the same user {}",
        page_1[0]["id"]
    );
    ensure!(
        second.body()["startIndex"] == 2,
        "the second page says startIndex {}",
        second.body()["startIndex"]
    );
    // The total may move if someone else writes meanwhile; a big jump is suspicious.
    ensure!(
        total.abs_diff(total_2) <= 10,
        "totalResults moved from {total} to {total_2} between two pages"
    );
    if total >= 100 {
        let hundred = c.get("/Users?count=100").await;
        let (_, resources) = list(&hundred, "GET /Users?count=100")?;
        ensure!(
            resources.len() == 100,
            "count=100 answered {} users although {total} exist",
            resources.len()
        );
    }
    Ok(())
}

/// Without `count`, a page holds at least 100 resources (or all there are).
pub(crate) async fn default_page(c: &mut Ctx) -> Checked {
    let reply = c.get("/Users").await;
    let (total, resources) = list(&reply, "GET /Users without count")?;
    let expected = usize::try_from(total.min(100)).unwrap_or(100);
    ensure!(
        resources.len() >= expected,
        "GET /Users without count answered {} of {total} users; the profile asks for at least 100 by default",
        resources.len()
    );
    Ok(())
}

/// Every answer with a JSON body, in this whole run, said `application/scim+json`.
pub(crate) async fn media_type(c: &mut Ctx) -> Checked {
    // One more request, so that a run of this rule alone has something to judge.
    let _ = c.get("/ServiceProviderConfig").await;
    let wrong = &c.client.mislabelled;
    ensure!(
        wrong.is_empty(),
        "{} answer(s) carried JSON without Content-Type application/scim+json, e.g. {}",
        wrong.len(),
        wrong.first().map_or("", String::as_str)
    );
    Ok(())
}

/// A burst of requests meets the rate limit: 429 with `Retry-After`. The checker sends at
/// most 300 at full speed; a limit above that is not provoked (skipped, not failed).
pub(crate) async fn rate_limited(c: &mut Ctx) -> Checked {
    for sent in 1..=300u32 {
        let reply = c.client.send_once(Method::GET, "/Users?count=1").await;
        if reply.status == 429 {
            ensure!(
                reply
                    .retry_after
                    .as_deref()
                    .is_some_and(|r| !r.trim().is_empty()),
                "the 429 after {sent} requests has no Retry-After"
            );
            // Let the limit recover before the next checks.
            let wait = reply
                .retry_after
                .as_deref()
                .and_then(|r| r.trim().parse::<u64>().ok())
                .unwrap_or(1)
                .min(60);
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            return Ok(());
        }
        ensure!(
            reply.status < 500 && reply.status != 0,
            "request {sent} of the burst answered {}",
            reply.summary()
        );
    }
    Err(super::super::Verdict::Skip(
        "no 429 after 300 requests at full speed: the rate limit lies above what the checker sends (it runs against a limit that 300 requests in a burst reach)"
            .into(),
    ))
}

/// TLS 1.3 is offered (plain HTTP only on a loopback address, as a test setup).
pub(crate) async fn tls13(c: &mut Ctx) -> Checked {
    let base = c.client.base_url().to_owned();
    if let Some(rest) = base.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        let loopback = host == "localhost"
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if loopback {
            return Err(super::super::Verdict::Skip(
                "plain HTTP on a loopback address: TLS is not checked (check the endpoint's https:// address to run it)".into(),
            ));
        }
        return Err(super::super::Verdict::Fail(format!(
            "{base} is plain HTTP: the profile requires TLS (1.3)"
        )));
    }
    match c.client.tls13_get("/ServiceProviderConfig").await {
        Ok(status) if status < 500 => Ok(()),
        Ok(status) => Err(super::super::Verdict::Fail(format!(
            "over TLS 1.3 GET /ServiceProviderConfig answered {status}"
        ))),
        Err(e) => Err(super::super::Verdict::Fail(format!(
            "a TLS 1.3-only client could not connect: {e}"
        ))),
    }
}

/// 25 requests a second for two seconds, none refused (IPSIE AL §4.3).
pub(crate) async fn sustained_rate(c: &mut Ctx) -> Checked {
    let started = std::time::Instant::now();
    let mut refused = Vec::new();
    for i in 0..50u32 {
        let due = std::time::Duration::from_millis(40 * u64::from(i));
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
        let reply = c.client.send_once(Method::GET, "/Users?count=1").await;
        if reply.status == 429 || reply.status >= 500 || reply.status == 0 {
            refused.push(reply.summary());
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    ensure!(
        refused.is_empty(),
        "at 25 requests a second {} of 50 were refused: {}",
        refused.len(),
        refused.first().map_or("", String::as_str)
    );
    ensure!(
        seconds.total_cmp(&3.0).is_lt(),
        "50 requests took {seconds:.1} s: the endpoint cannot keep up 25 a second one at a time"
    );
    Ok(())
}
