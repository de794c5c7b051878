//! tokio twin of weir's bench/idle_tasks.cpp: spawns N tasks (default 1,000,000) that each wait
//! on one tokio::sync::Notify, measures VmRSS before and after, prints
//! `tokio idle_task_bytes <bytes per task>`, then wakes them all and checks they finished.
//! Usage: idle-tasks-tokio [--tasks N] [--workers W]
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

struct Shared {
    notify: Notify,
    waiting: AtomicUsize,
    finished: AtomicUsize,
}

fn rss_bytes() -> usize {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            let kb: usize = rest.trim().trim_end_matches("kB").trim().parse().unwrap();
            return kb * 1024;
        }
    }
    0
}

fn main() {
    let mut n = 1_000_000usize;
    let mut workers = 2usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--tasks" => n = args.next().unwrap().parse().unwrap(),
            "--workers" => workers = args.next().unwrap().parse().unwrap(),
            _ => panic!("unknown argument {a}"),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    // One shared block per run, as weir's `shared`: each task holds one pointer to it.
    let s = Arc::new(Shared {
        notify: Notify::new(),
        waiting: AtomicUsize::new(0),
        finished: AtomicUsize::new(0),
    });
    rt.block_on(async {});
    let before = rss_bytes();
    rt.block_on(async {
        for _ in 0..n {
            let s = s.clone();
            tokio::spawn(async move {
                let wait = s.notify.notified();
                s.waiting.fetch_add(1, Relaxed);
                wait.await;
                s.finished.fetch_add(1, Relaxed);
            });
        }
    });
    while s.waiting.load(Relaxed) < n {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(100));
    let after = rss_bytes();
    println!("tokio idle_task_bytes {:.0}", (after - before) as f64 / n as f64);
    while s.finished.load(Relaxed) < n {
        s.notify.notify_waiters();
        std::thread::sleep(Duration::from_millis(10));
    }
}
