//! A corpus of hostile requests over real HTTP: malformed and deeply nested JSON, huge strings,
//! invalid UTF-8, NUL bytes, filter injection, path traversal and oversize ids, oversize
//! headers, unknown schemas, a wrong type for every attribute, and a crowd of idle connections.
//! Every case gets RFC 7644 error JSON (or, for what HTTP itself refuses, a closed connection or
//! a bare HTTP error), and the server keeps answering after each one.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::fmt::Write as _;

use crate::common::{TestServer, parts};
use reqwest::Method;
use scim_console_server::Limits;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// Checks an answer is a SCIM error with this status (and scimType, when given).
fn scim_error(case: &str, status: u16, body: &Value, want: u16, scim_type: Option<&str>) {
    assert_eq!(status, want, "{case}: {body}");
    assert!(
        body["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|u| u == ERROR)),
        "{case}: not RFC 7644 error JSON: {body}"
    );
    assert_eq!(body["status"], want.to_string(), "{case}: {body}");
    if let Some(t) = scim_type {
        assert_eq!(body["scimType"], t, "{case}: {body}");
    }
}

/// The server still answers a normal request.
pub(crate) async fn still_up(s: &TestServer, case: &str) {
    let response = s.scim(Method::GET, "/Users?count=1").send().await;
    let status = response.map_or(0, |r| r.status().as_u16());
    assert_eq!(status, 200, "the server stopped answering after {case}");
}

async fn raw_body(s: &TestServer, method: Method, path: &str, body: Vec<u8>) -> (u16, Value) {
    parts(
        s.scim(method, path)
            .header("content-type", "application/scim+json")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn malformed_bodies_get_invalid_syntax() {
    let s = TestServer::start().await;
    let nested_arrays = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let nested_objects = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let nested_in_user = format!(
        "{{\"schemas\":[\"{USER}\"],\"userName\":\"n\",\"x\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("an empty body", b"".to_vec()),
        ("an open brace", b"{".to_vec()),
        ("a missing value", br#"{"userName":}"#.to_vec()),
        ("a trailing comma", br#"{"userName":"a",}"#.to_vec()),
        ("an array", b"[]".to_vec()),
        ("a string", br#""user""#.to_vec()),
        ("null", b"null".to_vec()),
        ("a number", b"42".to_vec()),
        (
            "two documents",
            br#"{"userName":"a"}{"userName":"b"}"#.to_vec(),
        ),
        ("single quotes", b"{'userName':'a'}".to_vec()),
        ("10,000 nested arrays", nested_arrays.into_bytes()),
        ("10,000 nested objects", nested_objects.into_bytes()),
        (
            "10,000 nested arrays in a user",
            nested_in_user.into_bytes(),
        ),
        ("invalid UTF-8", b"{\"userName\":\"\xff\xfe\xfd\"}".to_vec()),
        ("a lone surrogate", br#"{"userName":"\ud800"}"#.to_vec()),
        (
            "a BOM then JSON",
            b"\xef\xbb\xbf{\"userName\":\"a\"}".to_vec(),
        ),
    ];
    let mut n = 0;
    for (case, body) in &cases {
        for (method, path) in [(Method::POST, "/Users"), (Method::POST, "/Groups")] {
            let (status, answer) = raw_body(&s, method.clone(), path, body.clone()).await;
            scim_error(case, status, &answer, 400, Some("invalidSyntax"));
            n += 1;
        }
        let (status, answer) = raw_body(&s, Method::POST, "/.search", body.clone()).await;
        scim_error(case, status, &answer, 400, None);
        n += 1;
        still_up(&s, case).await;
    }
    // A PATCH with each, on an existing user.
    let (_, user) = raw_body(
        &s,
        Method::POST,
        "/Users",
        json!({"schemas": [USER], "userName": "target"})
            .to_string()
            .into_bytes(),
    )
    .await;
    let id = user["id"].as_str().unwrap().to_owned();
    for (case, body) in &cases {
        let (status, answer) =
            raw_body(&s, Method::PATCH, &format!("/Users/{id}"), body.clone()).await;
        scim_error(case, status, &answer, 400, Some("invalidSyntax"));
        n += 1;
    }
    assert_eq!(n, cases.len() * 4);
    eprintln!("malformed bodies: {n} cases");
    s.stop().await;
}

#[tokio::test]
async fn huge_strings_nul_bytes_and_unknown_schemas() {
    let s = TestServer::start().await;
    // 10 MB: beyond the body limit.
    let huge = format!(
        "{{\"schemas\":[\"{USER}\"],\"userName\":\"{}\"}}",
        "a".repeat(10 * 1024 * 1024)
    );
    let (status, answer) = raw_body(&s, Method::POST, "/Users", huge.into_bytes()).await;
    scim_error("a 10 MB userName", status, &answer, 413, None);
    still_up(&s, "a 10 MB body").await;
    let cases = [
        (
            "a NUL byte in userName",
            json!({"schemas": [USER], "userName": "ada\u{0}@contoso.com"}),
        ),
        (
            "control characters in userName",
            json!({"schemas": [USER], "userName": "ada\u{1b}[2J"}),
        ),
        (
            "an empty userName",
            json!({"schemas": [USER], "userName": ""}),
        ),
        (
            "a blank userName",
            json!({"schemas": [USER], "userName": "   "}),
        ),
        (
            "no userName",
            json!({"schemas": [USER], "displayName": "x"}),
        ),
        (
            "an unknown schema",
            json!({"schemas": ["urn:evil:schema"], "userName": "u1"}),
        ),
        ("no schemas", json!({"userName": "u2", "schemas": []})),
        (
            "schemas as a string",
            json!({"userName": "u3", "schemas": USER}),
        ),
        (
            "a 100,000-character attribute name",
            json!({"schemas": [USER], "userName": "b", "x".repeat(100_000): 1}),
        ),
    ];
    for (case, body) in &cases {
        let (status, answer) =
            raw_body(&s, Method::POST, "/Users", body.to_string().into_bytes()).await;
        assert!(status == 400 || status == 201, "{case}: {status} {answer}");
        if status == 400 {
            scim_error(case, status, &answer, 400, None);
        } else {
            // Accepted only when nothing dangerous went through as sent.
            let name = answer["userName"].as_str().unwrap_or_default();
            assert!(
                !name.chars().any(char::is_control),
                "{case}: stored {answer}"
            );
        }
        still_up(&s, case).await;
    }
    // Where the admin refuses unknown attributes, an unknown schema is a 400.
    let mut strict = s.config.compatibility;
    strict.unknown_attributes = scim_console_core::UnknownAttributePolicy::Reject;
    s.store
        .update_configuration(
            s.config.id,
            scim_console_core::ConfigurationUpdate {
                compatibility: Some(strict.to_changes()),
                ..Default::default()
            },
            &scim_console_core::Actor::system(),
        )
        .await
        .unwrap();
    let body = json!({"schemas": [USER, "urn:evil:schema"], "userName": "u9"});
    let (status, answer) =
        raw_body(&s, Method::POST, "/Users", body.to_string().into_bytes()).await;
    scim_error(
        "an unknown schema, refused",
        status,
        &answer,
        400,
        Some("invalidSyntax"),
    );
    eprintln!(
        "huge strings, NUL bytes, schemas: {} cases",
        cases.len() + 2
    );
    s.stop().await;
}

#[tokio::test]
async fn a_wrong_type_for_every_attribute() {
    let s = TestServer::start().await;
    let wrong = |kind: &str, multi: bool| -> Vec<Value> {
        let mut values = match kind {
            "string" | "reference" | "dateTime" | "binary" => {
                vec![json!(42), json!({"a": 1}), json!(true)]
            }
            "boolean" => vec![json!("maybe"), json!(1), json!({"a": 1})],
            "integer" | "decimal" => vec![json!("ten"), json!({"a": 1}), json!(true)],
            _ => vec![json!("text"), json!(7)],
        };
        if multi {
            values.push(json!([7, "x"]));
        }
        values
    };
    let (_, schema) = parts(
        s.scim(Method::GET, &format!("/Schemas/{USER}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mut n = 0;
    for attr in schema["attributes"].as_array().unwrap() {
        let name = attr["name"].as_str().unwrap();
        if attr["mutability"] == "readOnly" {
            continue;
        }
        for value in wrong(attr["type"].as_str().unwrap(), attr["multiValued"] == true) {
            let mut body = json!({"schemas": [USER], "userName": format!("wrong-{n}")});
            body[name] = value.clone();
            let (status, answer) =
                raw_body(&s, Method::POST, "/Users", body.to_string().into_bytes()).await;
            scim_error(&format!("{name} = {value}"), status, &answer, 400, None);
            n += 1;
        }
    }
    still_up(&s, "wrong types").await;
    assert!(n >= 50, "{n}");
    eprintln!("wrong types: {n} cases");
    s.stop().await;
}

#[tokio::test]
async fn filter_injection_and_hostile_paths() {
    let s = TestServer::start().await;
    for name in ["ada@contoso.com", "grace@contoso.com"] {
        raw_body(
            &s,
            Method::POST,
            "/Users",
            json!({"schemas": [USER], "userName": name})
                .to_string()
                .into_bytes(),
        )
        .await;
    }
    let enc = |f: &str| form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>();
    // Injection attempts are refused as filters, or matched as plain values: never all users.
    let refused = [
        r#"userName eq "x" or 1 eq 1"#,
        r#"userName eq "x" or true"#,
        r#"userName eq "x") or (userName pr"#,
        r#"userName eq "x" --"#,
        r#"userName eq "x"; DROP TABLE users"#,
        // Bare words are read as strings (the default rfc profile), never as SQL.
        "userName eq x or 1 eq 1",
        r#"userName eq "unterminated"#,
        "1 eq 1",
        r#"userName eq "a" and"#,
        "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((",
    ];
    for f in refused {
        let (status, answer) = parts(
            s.scim(Method::GET, &format!("/Users?filter={}", enc(f)))
                .send()
                .await
                .unwrap(),
        )
        .await;
        scim_error(f, status, &answer, 400, Some("invalidFilter"));
    }
    let literal = [
        r#"userName eq "x' OR '1'='1""#,
        r#"userName eq "x\" or \"1\"=\"1""#,
        r#"userName eq "%""#,
        r#"userName sw "%""#,
        r#"userName co "_""#,
        r#"userName eq "'; DROP TABLE users; --""#,
        r#"userName eq "\u0000""#,
        r#"displayName co "*""#,
        "userName eq x",
        "userName eq %",
        "userName sw _",
        "userName eq x';DROP",
    ];
    for f in literal {
        let (status, answer) = parts(
            s.scim(Method::GET, &format!("/Users?filter={}", enc(f)))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{f}: {answer}");
        assert_eq!(answer["totalResults"], 0, "{f} matched: {answer}");
    }
    let (_, all) = parts(s.scim(Method::GET, "/Users").send().await.unwrap()).await;
    assert_eq!(all["totalResults"], 2, "the users are all still there");
    // Hostile ids and paths.
    let long = "a".repeat(8_000);
    let paths = [
        "/Users/..%2F..%2F..%2Fetc%2Fpasswd",
        "/Users/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/Users/..;/..;/etc/passwd",
        "/Users/%00",
        "/Users/%ff%fe",
        "/Users/'%20OR%20'1'%3D'1",
        "/Groups/%27%3B%20DROP%20TABLE%20groups%3B--",
    ];
    for path in paths {
        let (status, answer) = parts(s.scim(Method::GET, path).send().await.unwrap()).await;
        scim_error(path, status, &answer, 404, None);
    }
    let (status, answer) = parts(
        s.scim(Method::GET, &format!("/Users/{long}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        status == 404 || status == 414 || status == 431 || status == 400,
        "an 8,000-character id: {status} {answer}"
    );
    if !answer.is_null() {
        assert!(answer["schemas"][0] == ERROR, "{answer}");
    }
    for path in ["/Users/x/y/z", "/Unknown", "/Users/.search/x"] {
        let (status, answer) = parts(s.scim(Method::GET, path).send().await.unwrap()).await;
        assert!(status == 404 || status == 405, "{path}: {status} {answer}");
    }
    still_up(&s, "hostile paths").await;
    eprintln!(
        "filters and paths: {} cases",
        refused.len() + literal.len() + paths.len() + 5
    );
    s.stop().await;
}

/// Sends raw bytes on a fresh connection and reads what comes back (empty: closed).
pub(crate) async fn raw_http(origin: &str, request: &[u8]) -> String {
    let addr = origin.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn oversize_headers_broken_http_and_a_crowd_of_idle_connections() {
    let s = TestServer::start().await;
    let path = format!("/scim/{}/v2/Users", s.config.slug);
    // A 1 MB header: refused by HTTP itself (431) or the connection closed.
    let big = format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1024 * 1024)
    );
    let answer = raw_http(&s.origin, big.as_bytes()).await;
    assert!(
        answer.is_empty()
            || answer.starts_with("HTTP/1.1 431")
            || answer.starts_with("HTTP/1.1 400"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    // A 100,000-character path.
    let long_path = format!(
        "GET {path}/{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(100_000)
    );
    let answer = raw_http(&s.origin, long_path.as_bytes()).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    // 10,000 small headers.
    let mut many = format!("GET {path} HTTP/1.1\r\nHost: x\r\n");
    for i in 0..10_000 {
        write!(many, "X-H{i}: v\r\n").unwrap();
    }
    many.push_str("\r\n");
    let answer = raw_http(&s.origin, many.as_bytes()).await;
    assert!(
        answer.is_empty()
            || answer.starts_with("HTTP/1.1 431")
            || answer.starts_with("HTTP/1.1 400"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    // Not HTTP at all; a bad request line; a lying Content-Length.
    for garbage in [
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03".to_vec(),
        b"HELLO\r\n\r\n".to_vec(),
        format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{{}}").into_bytes(),
        format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n").into_bytes(),
        format!("POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            .into_bytes(),
    ] {
        let answer = raw_http(&s.origin, &garbage).await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
            "{}",
            &answer[..answer.len().min(200)]
        );
    }
    still_up(&s, "broken HTTP").await;
    // 800 idle connections (the test's file descriptors allow that many): a real request
    // is still served while they hang.
    let addr = s.origin.trim_start_matches("http://").to_owned();
    let mut idle = Vec::new();
    for _ in 0..800 {
        idle.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    still_up(&s, "800 idle connections").await;
    // Half-sent requests (slow-loris) on some of them do not block others either.
    for stream in idle.iter_mut().take(200) {
        let _ = stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nX-Slow: ").as_bytes())
            .await;
    }
    still_up(&s, "200 half-sent requests").await;
    drop(idle);
    still_up(&s, "the crowd leaving").await;
    s.stop().await;
}

/// Reads until the server closes the connection; None when it is still open after `wait`.
async fn closed_within(stream: &mut tokio::net::TcpStream, wait: u64) -> Option<String> {
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(wait),
        stream.read_to_end(&mut answer),
    )
    .await
    .ok()
    .map(|_| String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn idle_half_sent_and_trickling_connections_are_closed() {
    let s = TestServer::start_with(
        tempfile::tempdir().unwrap(),
        Limits {
            header_read_timeout: std::time::Duration::from_secs(1),
            body_read_timeout: std::time::Duration::from_secs(2),
            ..Limits::default()
        },
    )
    .await;
    let addr = s.origin.trim_start_matches("http://").to_owned();
    let path = format!("/scim/{}/v2/Users", s.config.slug);
    let connect = || tokio::net::TcpStream::connect(addr.clone());
    // Connected, never a byte.
    let mut idle = connect().await.unwrap();
    // Half the headers, then nothing (slow-loris).
    let mut half = connect().await.unwrap();
    half.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nX-Slow: ").as_bytes())
        .await
        .unwrap();
    // A whole request answered, then the kept-alive connection left idle.
    let mut kept = connect().await.unwrap();
    kept.write_all(
        format!(
            "GET {path}?count=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
            s.token
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    // Headers of a create, then a body that stops after 10 of its 100 bytes.
    let mut trickle = connect().await.unwrap();
    trickle
        .write_all(
            format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{\"userNam",
                s.token
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    still_up(&s, "slow clients waiting").await;
    // Each is closed by the server well before 10 s (a read that is still waiting then fails).
    let idle_answer = closed_within(&mut idle, 10).await;
    assert!(
        idle_answer
            .as_deref()
            .is_some_and(|a| a.is_empty() || a.starts_with("HTTP/1.1 408")),
        "an idle connection was left open: {idle_answer:?}"
    );
    let half_answer = closed_within(&mut half, 10).await;
    assert!(
        half_answer
            .as_deref()
            .is_some_and(|a| a.is_empty() || a.starts_with("HTTP/1.1 408")),
        "a half-sent request's connection was left open: {half_answer:?}"
    );
    let kept_answer = closed_within(&mut kept, 10).await;
    assert!(
        kept_answer
            .as_deref()
            .is_some_and(|a| a.starts_with("HTTP/1.1 200")),
        "a kept-alive idle connection was left open, or its request not answered: {kept_answer:?}"
    );
    // The trickled body gets a SCIM error 408 (and nothing is created).
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = trickle.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&answer).contains("\"status\"") {
                break;
            }
        }
    })
    .await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(read.is_ok(), "a trickling body was waited for: {answer:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains(ERROR) && answer.contains("\"408\""),
        "{answer}"
    );
    let (status, list) = parts(s.scim(Method::GET, "/Users").send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(list["totalResults"], 0, "{list}");
    still_up(&s, "slow clients closed").await;
    s.stop().await;
}
