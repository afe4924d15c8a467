//! Analyses running in the background: the upload form answers at once with the address of a
//! job, the analysis runs on the blocking pool and reports how far it has read, and the job's
//! page shows that progress until it sends the user on to the report or lists what was wrong.
//! Jobs live in memory (a restart forgets running ones) and are forgotten an hour after they
//! end.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use berdaya_domain::registry::Id;
use berdaya_files::responses::Progress;

use super::Rejected;

/// How long a finished job is remembered.
const KEEP_FINISHED: Duration = Duration::from_secs(3600);

/// How a job ended, or that it has not.
pub enum Outcome {
    Running,
    /// Saved as this analysis.
    Done(Id),
    /// Refused, with the problems to show, and how many bad answers there were in all (the
    /// list keeps the first ones only).
    Failed(Rejected, usize),
}

/// One analysis running in the background.
pub struct Job {
    /// The submission's fields, to fill the form again when the job fails.
    pub title: String,
    pub alpha: String,
    pub drop_incomplete: bool,
    bytes_read: AtomicU64,
    bytes_total: AtomicU64,
    respondents: AtomicU64,
    outcome: Mutex<(Outcome, Option<Instant>)>,
}

impl Job {
    /// Records how far the analysis has got (called from the analysis thread).
    pub fn progress(&self, p: Progress) {
        self.bytes_total.store(p.bytes_total, Ordering::Relaxed);
        self.bytes_read.store(p.bytes_read, Ordering::Relaxed);
        self.respondents.store(p.respondents, Ordering::Relaxed);
    }

    /// How far it has got.
    pub fn progress_now(&self) -> Progress {
        Progress {
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            bytes_total: self.bytes_total.load(Ordering::Relaxed),
            respondents: self.respondents.load(Ordering::Relaxed),
        }
    }

    /// Whole percent of the file read, 0 to 100.
    pub fn percent(&self) -> u64 {
        let p = self.progress_now();
        (p.bytes_read.min(p.bytes_total) * 100).checked_div(p.bytes_total).unwrap_or(0)
    }

    /// Ends the job.
    pub fn finish(&self, outcome: Outcome) {
        *self.lock() = (outcome, Some(Instant::now()));
    }

    /// How it ended, or that it has not (held while the caller looks).
    pub fn outcome(&self) -> MutexGuard<'_, (Outcome, Option<Instant>)> {
        self.lock()
    }

    fn lock(&self) -> MutexGuard<'_, (Outcome, Option<Instant>)> {
        // A panic while holding it leaves a value that is still whole.
        self.outcome.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn ended_before(&self, t: Instant) -> bool {
        matches!(self.lock().1, Some(end) if end < t)
    }
}

/// The jobs of this server, by id.
#[derive(Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

impl Jobs {
    /// Starts tracking a new job; answers its id (random, not guessable) and the job.
    pub fn start(&self, title: String, alpha: String, drop_incomplete: bool) -> (String, Arc<Job>) {
        let id = berdaya_domain::access::secret::new_secret("")[..32].to_string();
        let job = Arc::new(Job {
            title,
            alpha,
            drop_incomplete,
            bytes_read: AtomicU64::new(0),
            bytes_total: AtomicU64::new(0),
            respondents: AtomicU64::new(0),
            outcome: Mutex::new((Outcome::Running, None)),
        });
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cutoff) = Instant::now().checked_sub(KEEP_FINISHED) {
            jobs.retain(|_, j| !j.ended_before(cutoff));
        }
        jobs.insert(id.clone(), job.clone());
        (id, job)
    }

    /// A job by id.
    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_a_whole_percent_of_the_bytes() {
        let jobs = Jobs::default();
        let (id, job) = jobs.start("t".into(), "0.05".into(), false);
        assert_eq!(job.percent(), 0, "nothing known yet");
        job.progress(Progress { bytes_read: 41, bytes_total: 100, respondents: 7 });
        assert_eq!(jobs.get(&id).map(|j| (j.percent(), j.progress_now().respondents)), Some((41, 7)));
        job.progress(Progress { bytes_read: 120, bytes_total: 100, respondents: 9 });
        assert_eq!(job.percent(), 100);
        assert!(jobs.get("nope").is_none());
        job.finish(Outcome::Done(5));
        assert!(matches!(job.outcome().0, Outcome::Done(5)));
    }
}
