//! The store: ciphertexts (`objects/<sha256>`), sealed data keys
//! (`keys/<key_id>`), key-to-record bindings (`bindings/<record_id>`) and
//! used-entry markers (`used/<patient>/<index>/<n>`), all through
//! `object_store`.
//!
//! A write is never visible half-done: `object_store` writes a local file
//! to a temporary name and renames (or links, for create-only writes) it
//! into place, and an S3 PUT is atomic. For the local folder the gateway
//! also fsyncs the file and its folder before it acknowledges, so an
//! acknowledged upload or key survives a crash of the machine, not only of
//! the process. Temporary files left by a killed process are removed at
//! start ([`Store::open`]).

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};
use std::path::PathBuf;
use std::sync::Arc;

/// How much of a local file one read takes when streaming it out.
const LOCAL_READ: usize = 256 * 1024;

/// An object's bytes as they come from the store.
pub type ByteStream = futures::stream::BoxStream<'static, object_store::Result<Bytes>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Backend(String),
}

impl From<object_store::Error> for StoreError {
    fn from(e: object_store::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

/// What a create-only write found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    AlreadyThere,
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// The folder of a local store (for fsync); `None` for S3.
    local_root: Option<PathBuf>,
}

impl Store {
    /// Opens `file:///path` (creating the folder) or `s3://bucket`.
    pub fn open(url: &str, s3_endpoint: Option<&str>, s3_region: &str) -> Result<Self, StoreError> {
        if let Some(path) = url.strip_prefix("file://") {
            let root = PathBuf::from(path);
            std::fs::create_dir_all(&root)?;
            remove_temporaries(&root)?;
            let fs = object_store::local::LocalFileSystem::new_with_prefix(&root)?;
            return Ok(Self {
                inner: Arc::new(fs),
                local_root: Some(root),
            });
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            // s3://bucket or s3://bucket/prefix (several deployments, or
            // test runs, in one bucket)
            let (bucket, prefix) = match rest.split_once('/') {
                Some((b, p)) => (b, p.trim_matches('/')),
                None => (rest, ""),
            };
            let mut b = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_region(s3_region);
            if let Some(ep) = s3_endpoint {
                b = b
                    .with_endpoint(ep)
                    .with_allow_http(ep.starts_with("http://"))
                    .with_virtual_hosted_style_request(false);
            }
            let s3 = b.build()?;
            let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
            };
            return Ok(Self {
                inner,
                local_root: None,
            });
        }
        Err(StoreError::Backend(format!("unsupported store {url}")))
    }

    pub fn object_path(data_hash: &[u8; 32]) -> ObjectPath {
        ObjectPath::from(format!("objects/{}", hex::encode(data_hash)))
    }

    pub fn key_path(key_id: &[u8; 32]) -> ObjectPath {
        ObjectPath::from(format!("keys/{}", hex::encode(key_id)))
    }

    pub fn binding_path(record_id: u64) -> ObjectPath {
        ObjectPath::from(format!("bindings/{record_id}"))
    }

    /// The marker of a read's `n`th release (of an earlier `version` of
    /// the record, when named).
    pub fn used_path(patient: &[u8; 32], index: u64, version: Option<u32>, n: u32) -> ObjectPath {
        match version {
            None => ObjectPath::from(format!("used/{}/{index}/{n}", hex::encode(patient))),
            Some(v) => ObjectPath::from(format!("used/{}/{index}/v{v}/{n}", hex::encode(patient))),
        }
    }

    /// Writes `bytes` at `path` unless something is there already.
    pub async fn create(&self, path: &ObjectPath, bytes: Bytes) -> Result<Created, StoreError> {
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self
            .inner
            .put_opts(path, PutPayload::from_bytes(bytes), opts)
            .await
        {
            Ok(_) => {
                self.sync(path).await?;
                Ok(Created::New)
            }
            Err(object_store::Error::AlreadyExists { .. }) => Ok(Created::AlreadyThere),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes `bytes` at `path`, replacing what is there.
    pub async fn put(&self, path: &ObjectPath, bytes: Bytes) -> Result<(), StoreError> {
        self.inner.put(path, PutPayload::from_bytes(bytes)).await?;
        self.sync(path).await
    }

    /// The paths under `prefix`.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectPath>, StoreError> {
        use futures::TryStreamExt;
        let prefix = ObjectPath::from(prefix);
        let metas: Vec<object_store::ObjectMeta> =
            self.inner.list(Some(&prefix)).try_collect().await?;
        Ok(metas.into_iter().map(|m| m.location).collect())
    }

    /// The bytes at `path`, or `None`.
    pub async fn get(&self, path: &ObjectPath) -> Result<Option<Bytes>, StoreError> {
        match self.inner.get(path).await {
            Ok(r) => Ok(Some(r.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The size of the object at `path`, or `None`.
    pub async fn size(&self, path: &ObjectPath) -> Result<Option<u64>, StoreError> {
        match self.inner.head(path).await {
            Ok(m) => Ok(Some(m.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The object's size and a stream of its bytes (one request to the
    /// store), or `None`.
    ///
    /// A local file is read in 256 KiB pieces: `object_store`'s own stream
    /// reads 8 KiB at a time, each on a blocking thread of its own, which
    /// made a 1 MiB fetch 128 thread hops (docs/gateway-bench.md).
    pub async fn stream(&self, path: &ObjectPath) -> Result<Option<(u64, ByteStream)>, StoreError> {
        use futures::StreamExt;
        match self.inner.get(path).await {
            Ok(r) => {
                let size = r.meta.size;
                match r.payload {
                    object_store::GetResultPayload::File(file, at) => {
                        let reader = tokio::fs::File::from_std(file);
                        let stream = tokio_util::io::ReaderStream::with_capacity(
                            reader, LOCAL_READ,
                        )
                        .map(move |chunk| {
                            chunk.map_err(|source| object_store::Error::Generic {
                                store: "LocalFileSystem",
                                source: format!("{}: {source}", at.display()).into(),
                            })
                        });
                        Ok(Some((size, stream.boxed())))
                    }
                    object_store::GetResultPayload::Stream(stream) => Ok(Some((size, stream))),
                }
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes `path` (nothing there is fine).
    pub async fn delete(&self, path: &ObjectPath) -> Result<(), StoreError> {
        match self.inner.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(dir) = self.local_dir_of(path) {
            tokio::task::spawn_blocking(move || sync_dir(&dir))
                .await
                .map_err(|e| StoreError::Backend(e.to_string()))??;
        }
        Ok(())
    }

    /// Whether the store takes a write and a delete now (for `/readyz`).
    pub async fn probe(&self) -> Result<(), StoreError> {
        let path = ObjectPath::from("probe/readyz");
        self.inner
            .put(&path, PutPayload::from_static(b"ok"))
            .await?;
        self.inner.delete(&path).await?;
        Ok(())
    }

    fn local_file_of(&self, path: &ObjectPath) -> Option<PathBuf> {
        self.local_root.as_ref().map(|r| r.join(path.as_ref()))
    }

    fn local_dir_of(&self, path: &ObjectPath) -> Option<PathBuf> {
        self.local_file_of(path)
            .and_then(|f| f.parent().map(|p| p.to_owned()))
    }

    /// fsyncs a local file and the folders up to the store's root.
    async fn sync(&self, path: &ObjectPath) -> Result<(), StoreError> {
        let (Some(file), Some(root)) = (self.local_file_of(path), self.local_root.clone()) else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::File::open(&file)?.sync_all()?;
            let mut dir = file.parent().map(|p| p.to_owned());
            while let Some(d) = dir {
                sync_dir(&d)?;
                if d == root {
                    break;
                }
                dir = d.parent().map(|p| p.to_owned());
            }
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))??;
        Ok(())
    }
}

fn sync_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Removes the temporary files (`name#N`) a killed writer left behind.
fn remove_temporaries(root: &std::path::Path) -> std::io::Result<()> {
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else if entry.file_name().to_string_lossy().contains('#') {
                std::fs::remove_file(&path)?;
            }
        }
    }
    Ok(())
}
