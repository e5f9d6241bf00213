//! Keeping every item of a read in memory: for rule samples, tests and other
//! small logs (a hunt streams instead).

use crate::{discover, read_file, Item, ReadError, ReadOptions, ReadStats, Sink};
use ferret_core::Event;
use std::ops::ControlFlow;
use std::path::Path;

/// Every event and error one read handed on, with its counts.
#[derive(Debug, Default)]
pub struct Collected {
    /// The events, in order.
    pub events: Vec<Event>,
    /// The errors, in order (for [`from_path`](Self::from_path), discovery errors first).
    pub errors: Vec<ReadError>,
    /// What the reader counted.
    pub stats: ReadStats,
}

impl Collected {
    /// Runs `read` with a sink that keeps every item.
    pub fn from_read(read: impl FnOnce(&mut Sink<'_>) -> ReadStats) -> Collected {
        let (mut events, mut errors) = (Vec::new(), Vec::new());
        let stats = read(&mut |item| {
            match item {
                Item::Event(e) => events.push(e),
                Item::Error(e) => errors.push(e),
            }
            ControlFlow::Continue(())
        });
        Collected {
            events,
            errors,
            stats,
        }
    }

    /// Every log under `path` (a file or a directory, found as `ferret hunt`
    /// finds them), read with the format each file's head shows.
    pub fn from_path(path: &Path, opts: &ReadOptions) -> Collected {
        let found = discover(&[path.to_path_buf()]);
        let mut all = Collected {
            errors: found.errors,
            ..Collected::default()
        };
        for file in &found.files {
            let one = Collected::from_read(|sink| read_file(file, opts, sink));
            all.events.extend(one.events);
            all.errors.extend(one.errors);
            all.stats.add(one.stats);
        }
        all
    }
}
