//! Login rate limiting, kept in memory per server process (a restart forgets it).
//!
//! Three counters, all over the same sliding `window`:
//! - per **(client address, account)**: failed logins are slowed, then the pair is locked
//!   out. One address guessing at `admin` locks only itself out of `admin`; the owner,
//!   from another address, still signs in.
//! - per **account**, from every address: past a much higher number of failures the account
//!   is checked at most once per `account_interval`, whoever asks. Many addresses guessing
//!   together are slowed to that pace; nobody is locked out by it for long.
//! - per **client address**, on every account: past `address_lock_after` failures the
//!   address is locked out (password spraying, and it bounds how many pair counters one
//!   address can make).
//!
//! A login [`Throttle::begin`]s an [`Attempt`] before the password is verified: checking the
//! counters and reserving a slot happen under one lock, so parallel guesses cannot all slip
//! through before the first failure is counted, and a refused attempt is never verified.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How failed logins are slowed and locked out.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Failures of one (address, account) within `window` before each further answer is delayed.
    pub slow_after: u32,
    /// The delay added per failure beyond `slow_after` (capped at 5 steps).
    pub slow_step: Duration,
    /// Failures of one (address, account) within `window` that lock that pair out.
    pub lock_after: u32,
    /// How long a lockout lasts.
    pub lock_for: Duration,
    /// Failures older than this are forgotten.
    pub window: Duration,
    /// Failures of one account from all addresses within `window` after which the account
    /// is checked at most once per `account_interval`.
    pub account_slow_after: u32,
    /// The pace of checks of an account past `account_slow_after`.
    pub account_interval: Duration,
    /// Failures from one address on all accounts within `window` that lock the address out.
    pub address_lock_after: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            slow_after: 3,
            slow_step: Duration::from_secs(1),
            lock_after: 5,
            lock_for: Duration::from_secs(15 * 60),
            window: Duration::from_secs(15 * 60),
            account_slow_after: 50,
            account_interval: Duration::from_secs(2),
            address_lock_after: 100,
        }
    }
}

/// The most (address, account) pairs, and the most addresses, tracked at once (about 100
/// bytes each). Past it, after forgetting what expired, new ones are refused
/// ([`Refused::Busy`]) rather than let through untracked.
const MAX_PAIRS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: u32,
    /// Attempts begun and not yet decided.
    pending: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

impl Counter {
    fn new(now: Instant) -> Counter {
        Counter { failures: 0, pending: 0, first: now, locked_until: None }
    }

    /// Starts counting again once the window (and any lock) is over.
    fn refresh(&mut self, now: Instant, window: Duration) {
        let lock_over = self.locked_until.is_none_or(|until| until <= now);
        if lock_over && (self.locked_until.is_some() || now.duration_since(self.first) > window) {
            *self = Counter { pending: self.pending, ..Counter::new(now) };
        }
    }

    fn locked(&self, now: Instant) -> Option<Duration> {
        self.locked_until.filter(|until| *until > now).map(|until| until - now)
    }

    fn expired(&self, now: Instant, window: Duration) -> bool {
        self.pending == 0
            && self.locked_until.is_none_or(|until| until <= now)
            && now.duration_since(self.first) > window
    }
}

#[derive(Debug, Clone, Copy)]
struct AccountCounter {
    failures: u32,
    first: Instant,
    /// Past `account_slow_after`: the earliest time the next check may begin.
    next_at: Instant,
}

#[derive(Debug, Default)]
struct Counters {
    pairs: HashMap<(IpAddr, String), Counter>,
    accounts: HashMap<String, AccountCounter>,
    addresses: HashMap<IpAddr, Counter>,
    last_sweep: Option<Instant>,
}

/// The failures seen per (address, account), per account and per address.
#[derive(Debug, Default)]
pub struct Throttle {
    policy: Policy,
    counters: Mutex<Counters>,
}

/// Why a login attempt may not even be checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// This address is locked out of this account (or of every account) for this much longer.
    Locked(Duration),
    /// The account is being guessed at from many places: try again after this long.
    Slowed(Duration),
    /// Too many addresses and accounts are tracked already.
    Busy,
}

/// What a failed check leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// How long to hold the answer back.
    pub delay: Duration,
    /// This failure locked the (address, account) pair out.
    pub locked: bool,
    /// The how-manyth failure of the pair in its window (1 for the first).
    pub nth: u32,
}

/// A reserved login attempt: [`Attempt::failed`] or [`Attempt::succeeded`] decide it;
/// dropped undecided (the request was cancelled, the store failed), it frees its slot
/// without counting as a failure.
#[derive(Debug)]
pub struct Attempt {
    throttle: Arc<Throttle>,
    address: IpAddr,
    account: String,
    open: bool,
}

impl Throttle {
    pub fn new(policy: Policy) -> Throttle {
        Throttle { policy, counters: Mutex::new(Counters::default()) }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    fn counters(&self) -> MutexGuard<'_, Counters> {
        // A panic while holding the lock leaves plain counters behind; keep using them.
        self.counters.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checks every counter and, when the attempt may go on, reserves its slot: all under one
    /// lock, so the `lock_after`-th parallel guess is the last one verified.
    pub fn begin(self: &Arc<Self>, address: IpAddr, account: &str, now: Instant) -> Result<Attempt, Refused> {
        let p = &self.policy;
        let mut guard = self.counters();
        let c = &mut *guard;
        c.sweep(now, p.window);

        if !c.addresses.contains_key(&address) && c.addresses.len() >= MAX_PAIRS {
            tracing::warn!(addresses = c.addresses.len(), "login throttle full: refusing a new address");
            return Err(Refused::Busy);
        }
        let by_address = c.addresses.entry(address).or_insert_with(|| Counter::new(now));
        by_address.refresh(now, p.window);
        if let Some(left) = by_address.locked(now) {
            return Err(Refused::Locked(left));
        }
        if by_address.failures + by_address.pending >= p.address_lock_after {
            return Err(Refused::Locked(p.lock_for));
        }

        let key = (address, account.to_string());
        if !c.pairs.contains_key(&key) && c.pairs.len() >= MAX_PAIRS {
            tracing::warn!(pairs = c.pairs.len(), "login throttle full: refusing a new address and account");
            return Err(Refused::Busy);
        }
        let pair = c.pairs.entry(key).or_insert_with(|| Counter::new(now));
        pair.refresh(now, p.window);
        if let Some(left) = pair.locked(now) {
            return Err(Refused::Locked(left));
        }
        // Attempts still being verified count: if they all fail, they lock the pair.
        if pair.failures + pair.pending >= p.lock_after {
            return Err(Refused::Locked(p.lock_for));
        }

        if let Some(acc) = c.accounts.get_mut(account) {
            if now.duration_since(acc.first) > p.window {
                c.accounts.remove(account);
            } else if acc.failures >= p.account_slow_after {
                if acc.next_at > now {
                    return Err(Refused::Slowed(acc.next_at - now));
                }
                acc.next_at = now + p.account_interval;
            }
        }

        pair.pending += 1;
        if let Some(a) = c.addresses.get_mut(&address) {
            a.pending += 1;
        }
        Ok(Attempt { throttle: Arc::clone(self), address, account: account.to_string(), open: true })
    }
}

impl Counters {
    /// Forgets expired counters, at most once a minute (or when the pairs are full), so the
    /// maps do not grow with every name ever tried.
    fn sweep(&mut self, now: Instant, window: Duration) {
        let due = self.last_sweep.is_none_or(|at| now.duration_since(at) > Duration::from_secs(60));
        if !due && self.pairs.len() < MAX_PAIRS && self.addresses.len() < MAX_PAIRS {
            return;
        }
        self.last_sweep = Some(now);
        self.pairs.retain(|_, c| !c.expired(now, window));
        self.addresses.retain(|_, c| !c.expired(now, window));
        self.accounts.retain(|_, a| now.duration_since(a.first) <= window || a.next_at > now);
    }
}

impl Attempt {
    /// Counts a failed check; says how long to hold the answer back and whether the pair is
    /// now locked out.
    pub fn failed(mut self, now: Instant) -> Failure {
        self.open = false;
        let p = &self.throttle.policy;
        let mut guard = self.throttle.counters();
        let c = &mut *guard;
        let mut failure = Failure { delay: Duration::ZERO, locked: false, nth: 1 };
        if let Some(pair) = c.pairs.get_mut(&(self.address, self.account.clone())) {
            pair.pending = pair.pending.saturating_sub(1);
            pair.refresh(now, p.window);
            pair.failures += 1;
            if pair.failures >= p.lock_after && pair.locked_until.is_none() {
                pair.locked_until = Some(now + p.lock_for);
                failure.locked = true;
            }
            failure.nth = pair.failures;
            let steps = pair.failures.saturating_sub(p.slow_after).min(5);
            failure.delay = p.slow_step * steps;
        }
        if let Some(a) = c.addresses.get_mut(&self.address) {
            a.pending = a.pending.saturating_sub(1);
            a.refresh(now, p.window);
            a.failures += 1;
            if a.failures >= p.address_lock_after && a.locked_until.is_none() {
                a.locked_until = Some(now + p.lock_for);
            }
        }
        let acc =
            c.accounts.entry(self.account.clone()).or_insert(AccountCounter { failures: 0, first: now, next_at: now });
        if now.duration_since(acc.first) > p.window {
            *acc = AccountCounter { failures: 0, first: now, next_at: now };
        }
        acc.failures += 1;
        failure
    }

    /// A successful login: the pair's failures are forgotten (the account's and the
    /// address's are not: they count guesses from elsewhere and at other accounts).
    pub fn succeeded(mut self) {
        self.open = false;
        let mut c = self.throttle.counters();
        c.pairs.remove(&(self.address, self.account.clone()));
        if let Some(a) = c.addresses.get_mut(&self.address) {
            a.pending = a.pending.saturating_sub(1);
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let mut c = self.throttle.counters();
        if let Some(pair) = c.pairs.get_mut(&(self.address, self.account.clone())) {
            pair.pending = pair.pending.saturating_sub(1);
        }
        if let Some(a) = c.addresses.get_mut(&self.address) {
            a.pending = a.pending.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

    fn throttle() -> Arc<Throttle> {
        Arc::new(Throttle::new(Policy::default()))
    }

    fn fail(t: &Arc<Throttle>, addr: IpAddr, name: &str, now: Instant) -> Failure {
        t.begin(addr, name, now).expect("may try").failed(now)
    }

    #[test]
    fn failures_slow_then_lock_then_expire() {
        let t = throttle();
        let now = Instant::now();
        let delays: Vec<(Duration, bool)> =
            (0..5).map(|_| fail(&t, A, "siti", now)).map(|f| (f.delay, f.locked)).collect();
        assert_eq!(
            delays,
            [
                (Duration::ZERO, false),
                (Duration::ZERO, false),
                (Duration::ZERO, false),
                (Duration::from_secs(1), false),
                (Duration::from_secs(2), true),
            ]
        );
        assert!(matches!(t.begin(A, "siti", now), Err(Refused::Locked(_))));
        assert!(t.begin(A, "budi", now).is_ok(), "other accounts are not affected");
        assert!(t.begin(B, "siti", now).is_ok(), "the account is not locked for other addresses");
        let later = now + Duration::from_secs(15 * 60 + 1);
        assert_eq!(fail(&t, A, "siti", later).nth, 1, "the count starts again");
    }

    #[test]
    fn parallel_attempts_reserve_their_slots() {
        let t = throttle();
        let now = Instant::now();
        // 30 attempts begun before any is decided: only `lock_after` may be verified.
        let begun: Vec<_> = (0..30).map(|_| t.begin(A, "siti", now)).collect();
        let allowed: Vec<Attempt> = begun.into_iter().filter_map(Result::ok).collect();
        assert_eq!(allowed.len(), 5);
        for a in allowed {
            a.failed(now);
        }
        assert!(matches!(t.begin(A, "siti", now), Err(Refused::Locked(_))));
        // An attempt dropped undecided frees its slot without counting.
        let t = throttle();
        for _ in 0..10 {
            drop(t.begin(A, "budi", now).expect("a free slot"));
        }
        assert!(t.begin(A, "budi", now).is_ok());
    }

    #[test]
    fn many_addresses_are_paced_per_account() {
        let t = throttle();
        let now = Instant::now();
        for i in 0..50u8 {
            let addr = IpAddr::V4(Ipv4Addr::new(10, 1, 0, i));
            fail(&t, addr, "admin", now);
        }
        let fresh = IpAddr::V4(Ipv4Addr::new(10, 2, 0, 1));
        let first = t.begin(fresh, "admin", now).expect("one check per interval");
        assert_eq!(t.begin(B, "admin", now).err(), Some(Refused::Slowed(Duration::from_secs(2))));
        drop(first);
        assert!(t.begin(B, "admin", now + Duration::from_secs(2)).is_ok(), "the next interval");
        assert!(t.begin(B, "budi", now).is_ok());
    }

    #[test]
    fn one_address_spraying_many_accounts_is_locked_out() {
        let t = throttle();
        let now = Instant::now();
        for i in 0..100 {
            fail(&t, A, &format!("user{i}"), now);
        }
        assert!(matches!(t.begin(A, "someone-else", now), Err(Refused::Locked(_))));
        assert!(t.begin(B, "someone-else", now).is_ok());
    }

    #[test]
    fn expired_counters_are_forgotten() {
        let t = throttle();
        let now = Instant::now();
        for i in 0..20 {
            fail(&t, A, &format!("user{i}"), now);
        }
        let later = now + Duration::from_secs(16 * 60);
        assert!(t.begin(B, "x", later).is_ok());
        let c = t.counters();
        assert_eq!(c.pairs.len(), 1, "only the attempt just begun is kept");
        assert!(c.accounts.is_empty());
    }
}
