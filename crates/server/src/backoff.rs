//! Exponential backoff per source address after repeated refused credentials.
//!
//! A source may fail [`FREE_FAILURES`] times; after that each further refusal bars its refused
//! requests for twice as long as the last (1 s, 2 s, 4 s, … up to [`MAX_BAR`]), answered 429
//! with `Retry-After` instead of 401. A valid credential is always honoured — from any
//! address, barred or not — and clears the address's record, so an attacker who guesses
//! from the identity provider's address (or behind the same NAT) cannot lock it out. Memory is
//! bounded: at most [`MAX_SOURCES`] addresses are remembered, the quietest forgotten first.
//!
//! Instances of a shared PostgreSQL database share their records: each collects the refusals
//! and clearances it saw since its last announcement ([`Backoff::take_notice`]), announces them
//! about once a second, and adds the other instances' to its own ([`Backoff::absorb`]), so an
//! address that spreads its guesses over the instances behind a load balancer is barred on all
//! of them within a second of reaching the free failures.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use scim_console_core::backoff_notices::BackoffNotice;

/// Refusals a source may have before backoff starts.
pub const FREE_FAILURES: u32 = 10;
/// The longest bar.
pub const MAX_BAR: Duration = Duration::from_secs(300);
/// Sources remembered at most.
const MAX_SOURCES: usize = 100_000;
/// A source with no refusal for this long starts afresh.
const FORGET_AFTER: Duration = Duration::from_secs(3600);
/// Sources one announcement carries at most: a flood from more addresses than this within a
/// second is still counted by the instance that sees it, and the next seconds carry the rest.
const MAX_ANNOUNCED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    barred_until: Option<Instant>,
    last: Instant,
}

/// The refusal records of a server's sources.
#[derive(Debug, Default)]
pub struct Backoff {
    sources: Mutex<HashMap<String, Record>>,
    /// Whether any source has a record: every accepted request asks, and the answer is almost
    /// always no, so it is read without taking the lock.
    any: AtomicBool,
    /// What the other instances have not been told yet, when there are others.
    unannounced: Option<Mutex<Unannounced>>,
}

/// Refusals and clearances since the last announcement.
#[derive(Debug, Default)]
struct Unannounced {
    refused: HashMap<String, u32>,
    accepted: HashSet<String>,
}

impl Backoff {
    /// Records that other instances share: [`Backoff::take_notice`] says what to tell them.
    pub fn shared() -> Self {
        Self {
            unannounced: Some(Mutex::default()),
            ..Self::default()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        self.sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long `source` is still barred, if it is.
    pub fn barred(&self, source: &str) -> Option<Duration> {
        self.barred_at(source, Instant::now())
    }

    fn barred_at(&self, source: &str, now: Instant) -> Option<Duration> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        self.lock()
            .get(source)
            .and_then(|r| r.barred_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Records a refused credential from `source`; returns the bar it now has, if any.
    pub fn refused(&self, source: &str) -> Option<Duration> {
        self.refused_at(source, Instant::now())
    }

    fn refused_at(&self, source: &str, now: Instant) -> Option<Duration> {
        if let Some(unannounced) = &self.unannounced {
            let mut unannounced = unannounced
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if unannounced.refused.len() < MAX_ANNOUNCED || unannounced.refused.contains_key(source)
            {
                *unannounced.refused.entry(source.to_owned()).or_default() += 1;
            }
        }
        self.count_at(source, 1, now)
    }

    /// Adds `failures` refusals to `source`'s record; returns the bar it now has, if any.
    fn count_at(&self, source: &str, failures: u32, now: Instant) -> Option<Duration> {
        let mut sources = self.lock();
        if sources.len() >= MAX_SOURCES && !sources.contains_key(source) {
            sources.retain(|_, r| now.duration_since(r.last) < FORGET_AFTER);
            if sources.len() >= MAX_SOURCES {
                // Still full: forget the quietest tenth.
                let mut ages: Vec<Instant> = sources.values().map(|r| r.last).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 10];
                sources.retain(|_, r| r.last > cut);
            }
        }
        self.any.store(true, Ordering::Release);
        let record = sources.entry(source.to_owned()).or_insert(Record {
            failures: 0,
            barred_until: None,
            last: now,
        });
        if now.duration_since(record.last) >= FORGET_AFTER {
            record.failures = 0;
            record.barred_until = None;
        }
        record.last = now;
        record.failures = record.failures.saturating_add(failures);
        if record.failures <= FREE_FAILURES {
            return None;
        }
        let doublings = (record.failures - FREE_FAILURES - 1).min(16);
        let bar = Duration::from_secs(1 << doublings).min(MAX_BAR);
        record.barred_until = Some(now + bar);
        Some(bar)
    }

    /// A valid credential came from `source`: its record is cleared.
    pub fn accepted(&self, source: &str) {
        if !self.any.load(Ordering::Acquire) {
            return;
        }
        // Only an address with a record here is announced: the others' counts reach this
        // instance within a second, so a record anywhere is a record here, and the identity
        // provider's every request costs the others nothing.
        if self.clear(source)
            && let Some(unannounced) = &self.unannounced
        {
            let mut unannounced = unannounced
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            unannounced.refused.remove(source);
            if unannounced.accepted.len() < MAX_ANNOUNCED {
                unannounced.accepted.insert(source.to_owned());
            }
        }
    }

    /// Forgets `source`'s record; whether it had one.
    fn clear(&self, source: &str) -> bool {
        let mut sources = self.lock();
        let had = sources.remove(source).is_some();
        if sources.is_empty() {
            self.any.store(false, Ordering::Release);
        }
        had
    }

    /// What the other instances have not been told yet (empty when nothing happened, or when
    /// the records are not shared), and forgets it.
    pub fn take_notice(&self) -> BackoffNotice {
        let Some(unannounced) = &self.unannounced else {
            return BackoffNotice::default();
        };
        let taken = std::mem::take(
            &mut *unannounced
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        BackoffNotice {
            refused: taken.refused.into_iter().collect(),
            accepted: taken.accepted.into_iter().collect(),
        }
    }

    /// Adds what another instance announced: its refusals count here, and the addresses it
    /// cleared are cleared here.
    pub fn absorb(&self, notice: &BackoffNotice) {
        self.absorb_at(notice, Instant::now());
    }

    fn absorb_at(&self, notice: &BackoffNotice, now: Instant) {
        for source in &notice.accepted {
            self.clear(source);
        }
        for (source, failures) in &notice.refused {
            self.count_at(source, *failures, now);
        }
    }
}

/// How often an instance tells the others what it saw.
const ANNOUNCE_EVERY: Duration = Duration::from_secs(1);

/// Shares `backoff`'s records with the other instances of a shared PostgreSQL database until
/// the server stops: announces this instance's refusals and clearances every
/// [`ANNOUNCE_EVERY`], and adds the others'. Returns at once with SQLite.
pub(crate) async fn share(
    store: scim_console_core::Store,
    backoff: std::sync::Arc<Backoff>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    if !store.shares_backoff() {
        return;
    }
    let follower = tokio::spawn(follow(store.clone(), backoff.clone()));
    loop {
        tokio::select! {
            () = tokio::time::sleep(ANNOUNCE_EVERY) => {}
            _ = stopping.changed() => break,
        }
        let notice = backoff.take_notice();
        if notice.is_empty() {
            continue;
        }
        if let Err(error) = store.announce_backoff(&notice).await {
            tracing::warn!(%error, "could not tell the other instances about refused credentials");
        }
    }
    follower.abort();
}

/// Adds the other instances' announcements to `backoff`; reconnects after failures.
async fn follow(store: scim_console_core::Store, backoff: std::sync::Arc<Backoff>) {
    loop {
        let mut notices = match store.follow_backoff().await {
            Ok(Some(notices)) => notices,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot follow the other instances' refused credentials yet");
                tokio::time::sleep(ANNOUNCE_EVERY).await;
                continue;
            }
        };
        loop {
            match notices.next().await {
                Ok(notice) => backoff.absorb(&notice),
                Err(error) => {
                    tracing::warn!(%error, "lost the other instances' refused credentials");
                    tokio::time::sleep(ANNOUNCE_EVERY).await;
                    break;
                }
            }
        }
    }
}

/// The `Retry-After` value of a bar, in whole seconds rounded up (at least 1).
pub fn retry_after(bar: Duration) -> String {
    bar.as_millis().div_ceil(1000).max(1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_double_after_the_free_failures_and_a_valid_credential_clears_them() {
        let b = Backoff::default();
        let t = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(b.refused_at("192.0.2.1", t), None);
        }
        assert_eq!(b.barred_at("192.0.2.1", t), None);
        assert_eq!(b.refused_at("192.0.2.1", t), Some(Duration::from_secs(1)));
        assert_eq!(b.refused_at("192.0.2.1", t), Some(Duration::from_secs(2)));
        assert_eq!(b.refused_at("192.0.2.1", t), Some(Duration::from_secs(4)));
        assert_eq!(
            b.barred_at("192.0.2.1", t + Duration::from_secs(1)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(b.barred_at("192.0.2.2", t), None, "per source");
        for _ in 0..40 {
            b.refused_at("192.0.2.1", t);
        }
        assert_eq!(b.barred_at("192.0.2.1", t), Some(MAX_BAR));
        b.accepted("192.0.2.1");
        assert_eq!(b.barred_at("192.0.2.1", t), None);
        // A quiet hour starts afresh.
        for _ in 0..=FREE_FAILURES {
            b.refused_at("192.0.2.3", t);
        }
        assert_eq!(
            b.refused_at("192.0.2.3", t + FORGET_AFTER),
            None,
            "the count restarts"
        );
    }

    #[test]
    fn instances_that_share_their_records_bar_an_address_that_spreads_its_guesses() {
        let (a, b) = (Backoff::shared(), Backoff::shared());
        let t = Instant::now();
        for _ in 0..6 {
            assert_eq!(a.refused_at("192.0.2.7", t), None);
        }
        for _ in 0..5 {
            assert_eq!(b.refused_at("192.0.2.7", t), None);
        }
        let (from_a, from_b) = (a.take_notice(), b.take_notice());
        assert_eq!(from_a.refused, vec![("192.0.2.7".to_owned(), 6)]);
        assert!(a.take_notice().is_empty(), "told once");
        a.absorb_at(&from_b, t);
        b.absorb_at(&from_a, t);
        // Eleven refusals in all: both bar the address.
        assert_eq!(a.barred_at("192.0.2.7", t), Some(Duration::from_secs(1)));
        assert_eq!(b.barred_at("192.0.2.7", t), Some(Duration::from_secs(1)));
        // A valid credential on one clears the record on both.
        a.accepted("192.0.2.7");
        let cleared = a.take_notice();
        assert_eq!(cleared.accepted, vec!["192.0.2.7".to_owned()]);
        b.absorb_at(&cleared, t);
        assert_eq!(b.barred_at("192.0.2.7", t), None);
        // An address with no record costs the others nothing.
        a.accepted("192.0.2.8");
        assert!(a.take_notice().is_empty());
        // A server alone tells no one.
        let alone = Backoff::default();
        alone.refused_at("192.0.2.7", t);
        assert!(alone.take_notice().is_empty());
    }

    #[test]
    fn memory_stays_bounded() {
        let b = Backoff::default();
        let t = Instant::now();
        for i in 0..(MAX_SOURCES + 10) {
            b.refused_at(
                &format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
                t + Duration::from_micros(i as u64),
            );
        }
        assert!(b.lock().len() <= MAX_SOURCES);
        let shared = Backoff::shared();
        for i in 0..(MAX_ANNOUNCED + 10) {
            shared.refused_at(&format!("10.0.{}.{}", i >> 8, i & 255), t);
        }
        assert_eq!(shared.take_notice().refused.len(), MAX_ANNOUNCED);
    }
}
