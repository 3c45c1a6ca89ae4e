//! The gateway's own log: every upload, deposit, release, shredding and
//! refusal, one JSON line each, hash-chained the way the on-chain trail is
//! (each entry's hash covers the previous hash and the entry), fsynced
//! before the answer goes out. Refusals are where auditors see the denied
//! attempts that never reached the chain.
//!
//! ```text
//! {"seq":0,"at":1795..,"event":"release","fields":{..},"prev":"00..","hash":"9f.."}
//! hash = sha256("medrec-gateway/log/v1\0" || prev || JSON of {seq, at, event, fields})
//! ```
//!
//! The JSON is compact, its keys in that order and the fields' keys sorted
//! (what `GET /v1/log` readers recompute).
//!
//! Fields hold accounts, record ids, audit indexes, sizes and refusal
//! codes: never a key, a ciphertext, a signature or a record's content.
//! `medrec-gateway verify-log FILE` checks a whole log.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Body {
    seq: u64,
    at: u64,
    event: String,
    fields: BTreeMap<String, String>,
}

/// One line of the log as written (and as `GET /v1/log` returns it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub seq: u64,
    pub at: u64,
    pub event: String,
    pub fields: BTreeMap<String, String>,
    /// Hex of the previous entry's hash (zeros before the first).
    pub prev: String,
    pub hash: String,
}

/// A page of durable entries, and how many are durable in all.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub total: u64,
}

fn entry_hash(prev: &[u8; 32], body: &Body) -> Result<[u8; 32], LogError> {
    let json = serde_json::to_vec(body).map_err(|e| LogError::Io(e.to_string()))?;
    let mut h = Sha256::new();
    h.update(b"medrec-gateway/log/v1\0");
    h.update(prev);
    h.update(&json);
    Ok(h.finalize().into())
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogError {
    #[error("log: {0}")]
    Io(String),
    #[error("log line {line}: {reason}")]
    Broken { line: u64, reason: String },
}

struct State {
    file: std::fs::File,
    seq: u64,
    head: [u8; 32],
    /// Where each entry's line starts, and the file's length: a page is
    /// read from its first byte to its last without scanning the rest (8
    /// bytes of memory per entry).
    offsets: Vec<u64>,
    len: u64,
}

/// The fsync side: a handle on the same file and how many entries are
/// known durable.
struct Synced {
    file: std::fs::File,
    through: u64,
}

/// The open log (cheap to clone; appends are serialized, fsyncs shared).
///
/// Group commit: an append writes its line under the state lock, then
/// waits for an fsync that started after its write. One fsync covers every
/// line written before it began, so concurrent requests share one instead
/// of queueing for one each (a fetch used to wait for every fsync ahead of
/// it: docs/gateway-bench.md). No entry is acknowledged before it is
/// durable.
#[derive(Clone)]
pub struct Log {
    path: PathBuf,
    state: Arc<Mutex<State>>,
    synced: Arc<Mutex<Synced>>,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entries: u64,
    pub head: [u8; 32],
}

/// Checks every line of the log at `path`: sequence, links and hashes.
/// A last line cut short by a crash (no newline) is reported as such.
pub fn verify(path: &Path) -> Result<Verified, LogError> {
    scan(path).map(|(v, _, _)| v)
}

/// `verify`, also returning where each line starts and the file's length.
fn scan(path: &Path) -> Result<(Verified, Vec<u64>, u64), LogError> {
    let file = std::fs::File::open(path).map_err(|e| LogError::Io(e.to_string()))?;
    let mut reader = std::io::BufReader::new(file);
    let mut head = [0u8; 32];
    let mut seq = 0u64;
    let mut buf = String::new();
    let mut offsets = Vec::new();
    let mut len = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_line(&mut buf)
            .map_err(|e| LogError::Io(e.to_string()))?;
        if n == 0 {
            break;
        }
        offsets.push(len);
        len = len.saturating_add(n as u64);
        let broken = |reason: &str| LogError::Broken {
            line: seq.saturating_add(1),
            reason: reason.to_owned(),
        };
        if !buf.ends_with('\n') {
            return Err(broken("cut short (no newline)"));
        }
        let line: Entry = serde_json::from_str(buf.trim_end()).map_err(|_| broken("not JSON"))?;
        if line.seq != seq {
            return Err(broken("sequence number out of order"));
        }
        if line.prev != hex::encode(head) {
            return Err(broken("does not link to the previous entry"));
        }
        let body = Body {
            seq: line.seq,
            at: line.at,
            event: line.event,
            fields: line.fields,
        };
        let hash = entry_hash(&head, &body)?;
        if line.hash != hex::encode(hash) {
            return Err(broken("hash does not match the entry"));
        }
        head = hash;
        seq = seq.saturating_add(1);
    }
    Ok((Verified { entries: seq, head }, offsets, len))
}

/// A crash in the middle of an append leaves a last line without its
/// newline: that entry was never acknowledged (the answer waits for the
/// fsync), so it is cut off before the log is checked and appended to.
fn drop_torn_tail(path: &Path) -> Result<(), LogError> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |e: std::io::Error| LogError::Io(e.to_string());
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    // An entry is far shorter than this; the tail holds the last newline.
    let tail_len = len.min(64 * 1024);
    let start = len.saturating_sub(tail_len);
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).map_err(io)?;
    if tail.is_empty() || tail.ends_with(b"\n") {
        return Ok(());
    }
    let keep = match tail.iter().rposition(|b| *b == b'\n') {
        Some(i) => start.saturating_add(i as u64).saturating_add(1),
        None if start == 0 => 0,
        None => return Err(LogError::Io("last log line longer than 64 KiB".into())),
    };
    file.set_len(keep).map_err(io)?;
    file.sync_all().map_err(io)?;
    tracing::warn!(
        dropped_bytes = len.saturating_sub(keep),
        "log: dropped an entry cut short by a crash"
    );
    Ok(())
}

impl Log {
    /// Opens (or creates) the log at `path`, checking it first; a log that
    /// does not verify is not appended to.
    pub fn open(path: &Path) -> Result<Self, LogError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| LogError::Io(e.to_string()))?;
        }
        let (seq, head, offsets, len) = if path.exists() {
            drop_torn_tail(path)?;
            let (v, offsets, len) = scan(path)?;
            (v.entries, v.head, offsets, len)
        } else {
            (0, [0u8; 32], Vec::new(), 0)
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| LogError::Io(e.to_string()))?;
        let sync_file = file.try_clone().map_err(|e| LogError::Io(e.to_string()))?;
        Ok(Self {
            path: path.to_owned(),
            state: Arc::new(Mutex::new(State {
                file,
                seq,
                head,
                offsets,
                len,
            })),
            synced: Arc::new(Mutex::new(Synced {
                file: sync_file,
                through: seq,
            })),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and returns once it is on disk.
    pub fn append(
        &self,
        at: u64,
        event: &str,
        fields: BTreeMap<String, String>,
    ) -> Result<(), LogError> {
        let mine = self.write(at, event, fields)?;
        let mut synced = self
            .synced
            .lock()
            .map_err(|_| LogError::Io("log lock poisoned".into()))?;
        if synced.through >= mine {
            // An fsync that began after this line was written covered it
            return Ok(());
        }
        // Everything written so far is covered by the fsync below
        let written = self.head().map(|(seq, _)| seq).unwrap_or(mine);
        synced
            .file
            .sync_data()
            .map_err(|e| LogError::Io(e.to_string()))?;
        synced.through = written.max(mine);
        Ok(())
    }

    /// Writes one entry (not yet synced); returns the entry count with it.
    fn write(
        &self,
        at: u64,
        event: &str,
        fields: BTreeMap<String, String>,
    ) -> Result<u64, LogError> {
        let mut st = self
            .state
            .lock()
            .map_err(|_| LogError::Io("log lock poisoned".into()))?;
        let body = Body {
            seq: st.seq,
            at,
            event: event.to_owned(),
            fields,
        };
        let hash = entry_hash(&st.head, &body)?;
        let line = Entry {
            seq: body.seq,
            at: body.at,
            event: body.event,
            fields: body.fields,
            prev: hex::encode(st.head),
            hash: hex::encode(hash),
        };
        let mut text = serde_json::to_string(&line).map_err(|e| LogError::Io(e.to_string()))?;
        text.push('\n');
        st.file
            .write_all(text.as_bytes())
            .map_err(|e| LogError::Io(e.to_string()))?;
        let start = st.len;
        st.offsets.push(start);
        st.len = start.saturating_add(text.len() as u64);
        st.seq = st.seq.saturating_add(1);
        st.head = hash;
        Ok(st.seq)
    }

    /// Appends from async code without blocking the runtime's workers.
    pub async fn record(
        &self,
        at: u64,
        event: &str,
        fields: BTreeMap<String, String>,
    ) -> Result<(), LogError> {
        let log = self.clone();
        let event = event.to_owned();
        tokio::task::spawn_blocking(move || log.append(at, &event, fields))
            .await
            .map_err(|e| LogError::Io(e.to_string()))?
    }

    /// Up to `limit` durable entries from `from` on (none past the end), as
    /// written: a reader recomputes each hash and follows the links.
    /// Entries written but not yet fsynced (their requests not yet
    /// answered) are not shown.
    pub fn page(&self, from: u64, limit: u64) -> Result<Page, LogError> {
        use std::io::{Read, Seek, SeekFrom};
        let poisoned = || LogError::Io("log lock poisoned".into());
        let total = self.synced.lock().map_err(|_| poisoned())?.through;
        let (start, end) = {
            let st = self.state.lock().map_err(|_| poisoned())?;
            let first = from.min(total);
            let last = first.saturating_add(limit).min(total);
            let at = |i: u64| -> u64 {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| st.offsets.get(i).copied())
                    .unwrap_or(st.len)
            };
            (at(first), at(last))
        };
        let mut file = std::fs::File::open(&self.path).map_err(|e| LogError::Io(e.to_string()))?;
        file.seek(SeekFrom::Start(start))
            .map_err(|e| LogError::Io(e.to_string()))?;
        let mut text = String::new();
        file.take(end.saturating_sub(start))
            .read_to_string(&mut text)
            .map_err(|e| LogError::Io(e.to_string()))?;
        let entries = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Entry>(l).map_err(|_| LogError::Broken {
                    line: from.saturating_add(1),
                    reason: "not JSON".into(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page { entries, total })
    }

    /// Entries so far and the head hash.
    pub fn head(&self) -> Option<(u64, [u8; 32])> {
        self.state.lock().ok().map(|s| (s.seq, s.head))
    }
}
