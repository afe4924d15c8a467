//! Login rate limiting: failed logins for one username are slowed, then the username is
//! locked out for a while. Kept in memory per server process; a restart forgets it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How failed logins are slowed and locked out.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Failures within `window` before each further attempt is delayed.
    pub slow_after: u32,
    /// The delay added per failure beyond `slow_after` (capped at 5 steps).
    pub slow_step: Duration,
    /// Failures within `window` that lock the username out.
    pub lock_after: u32,
    /// How long a lockout lasts.
    pub lock_for: Duration,
    /// Failures older than this are forgotten.
    pub window: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            slow_after: 3,
            slow_step: Duration::from_secs(1),
            lock_after: 5,
            lock_for: Duration::from_secs(15 * 60),
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// The failures seen per username.
#[derive(Debug, Default)]
pub struct Throttle {
    policy: Policy,
    records: Mutex<HashMap<String, Record>>,
}

/// What a login attempt may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Try; after a failure, wait this long before answering.
    Try,
    /// Locked out for this much longer.
    Locked(Duration),
}

impl Throttle {
    pub fn new(policy: Policy) -> Throttle {
        Throttle { policy, records: Mutex::new(HashMap::new()) }
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        // A panic while holding the lock leaves plain counters behind; keep using them.
        self.records.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `username` may try now.
    pub fn check(&self, username: &str, now: Instant) -> Verdict {
        let mut records = self.records();
        match records.get(username).copied() {
            Some(Record { locked_until: Some(until), .. }) if until > now => Verdict::Locked(until - now),
            Some(r) if r.locked_until.is_some() || now.duration_since(r.first) > self.policy.window => {
                records.remove(username);
                Verdict::Try
            }
            _ => Verdict::Try,
        }
    }

    /// Records a failure; returns how long to hold the answer back, and whether this failure
    /// locked the username out.
    pub fn fail(&self, username: &str, now: Instant) -> (Duration, bool) {
        let mut records = self.records();
        let r = records.entry(username.to_string()).or_insert(Record { failures: 0, first: now, locked_until: None });
        if now.duration_since(r.first) > self.policy.window {
            *r = Record { failures: 0, first: now, locked_until: None };
        }
        r.failures += 1;
        let locked = r.failures >= self.policy.lock_after;
        if locked {
            r.locked_until = Some(now + self.policy.lock_for);
        }
        let steps = r.failures.saturating_sub(self.policy.slow_after).min(5);
        (self.policy.slow_step * steps, locked)
    }

    /// Forgets the failures of a username after a successful login.
    pub fn succeed(&self, username: &str) {
        self.records().remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_slow_then_lock_then_expire() {
        let t = Throttle::new(Policy::default());
        let now = Instant::now();
        assert_eq!(t.fail("siti", now), (Duration::ZERO, false));
        assert_eq!(t.fail("siti", now), (Duration::ZERO, false));
        assert_eq!(t.fail("siti", now), (Duration::ZERO, false));
        assert_eq!(t.fail("siti", now), (Duration::from_secs(1), false));
        assert_eq!(t.check("siti", now), Verdict::Try);
        assert_eq!(t.fail("siti", now), (Duration::from_secs(2), true));
        assert!(matches!(t.check("siti", now), Verdict::Locked(_)));
        assert_eq!(t.check("budi", now), Verdict::Try, "other users are not affected");
        let later = now + Duration::from_secs(15 * 60 + 1);
        assert_eq!(t.check("siti", later), Verdict::Try);
        assert_eq!(t.fail("siti", later), (Duration::ZERO, false), "the count starts again");
    }
}
