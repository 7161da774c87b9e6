//! The entry format shared by quire's build caches (the values of `.quire-cache/store.redb`,
//! the files of `.quire-cache/gif/`).
//!
//! Whatever is in a cache folder gets published by later builds, so a file is only used when it
//! proves it is what this build would have written: a header naming the cache and its format
//! version, then a blake3 checksum over the header, the entry's key and its payload. A file cut
//! short by a full disk, edited by hand, copied over another entry's name or left by an older
//! quire fails that check; the caller deletes it and renders again.
//!
//! ```text
//! quire-cache <kind> v<version>\n
//! <64 hex digits: blake3(header ‖ key ‖ 0 ‖ payload)>\n
//! <payload>
//! ```

use std::path::Path;

/// Which cache an entry belongs to and the format its payload has; both are checked, so an
/// entry is never read by a cache it was not written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub name: &'static str,
    /// Bump when the payload's meaning changes: older entries then fail to verify and are
    /// rendered again.
    pub version: u32,
}

/// Why a file is not a usable entry (for tests and messages; callers treat all alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// No header line, or a header of another cache or format version.
    Header,
    /// The checksum line is missing or not 64 hex digits.
    Malformed,
    /// Contents or key differ from what was sealed: truncated, edited, or another key's file.
    Checksum,
}

impl Kind {
    fn header(&self) -> String {
        format!("quire-cache {} v{}\n", self.name, self.version)
    }

    fn checksum(&self, key: &str, payload: &[u8]) -> blake3::Hash {
        let mut h = blake3::Hasher::new();
        h.update(self.header().as_bytes());
        h.update(key.as_bytes());
        h.update(&[0]);
        h.update(payload);
        h.finalize()
    }

    /// The bytes of an entry holding `payload` under `key`.
    pub fn seal(&self, key: &str, payload: &[u8]) -> Vec<u8> {
        let header = self.header();
        let sum = self.checksum(key, payload).to_hex();
        let mut out = Vec::with_capacity(header.len() + sum.len() + 1 + payload.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(sum.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(payload);
        out
    }

    /// The payload of `bytes` if they are an intact entry of this kind for `key`.
    pub fn open<'a>(&self, key: &str, bytes: &'a [u8]) -> Result<&'a [u8], Invalid> {
        let rest = bytes
            .strip_prefix(self.header().as_bytes())
            .ok_or(Invalid::Header)?;
        let (sum, payload) = rest.split_at_checked(65).ok_or(Invalid::Malformed)?;
        let sum = std::str::from_utf8(&sum[..64])
            .ok()
            .filter(|_| sum[64] == b'\n')
            .and_then(|s| blake3::Hash::from_hex(s).ok())
            .ok_or(Invalid::Malformed)?;
        if sum != self.checksum(key, payload) {
            return Err(Invalid::Checksum);
        }
        Ok(payload)
    }

    /// The payload stored at `path` for `key`, or `None` when there is none or it does not
    /// verify; a file that does not verify is deleted so it cannot be served by anything else.
    pub fn read(&self, path: &Path, key: &str) -> Option<Vec<u8>> {
        let bytes = std::fs::read(path).ok()?;
        match self.open(key, &bytes) {
            Ok(payload) => Some(payload.to_vec()),
            Err(_) => {
                // Another build may have just replaced it with a good entry; deleting that only
                // costs one more render.
                let _ = std::fs::remove_file(path);
                None
            }
        }
    }

    /// Stores `payload` at `path` in one atomic rename, so no reader sees half an entry.
    pub fn write(&self, path: &Path, key: &str, payload: &[u8]) -> std::io::Result<()> {
        crate::fs::write_atomic_io(path, &self.seal(key, payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Kind = Kind {
        name: "test",
        version: 2,
    };

    #[test]
    fn sealed_entry_opens_to_its_payload() {
        let e = A.seal("k1", b"ok\n<span>x</span>");
        assert_eq!(A.open("k1", &e), Ok(&b"ok\n<span>x</span>"[..]));
        assert_eq!(A.open("k1", &A.seal("k1", b"")), Ok(&b""[..]));
    }

    #[test]
    fn every_truncation_is_rejected() {
        let e = A.seal("k1", b"ok\n<span class=\"katex\">x</span>");
        for len in 0..e.len() {
            assert!(A.open("k1", &e[..len]).is_err(), "cut at {len}");
        }
    }

    #[test]
    fn edited_payload_is_rejected() {
        let mut e = A.seal("k1", b"ok\n<span>x</span>");
        let at = e.len() - 3;
        e[at] ^= 1;
        assert_eq!(A.open("k1", &e), Err(Invalid::Checksum));
        let mut e = A.seal("k1", b"ok\n<span>x</span>");
        e.extend_from_slice(b"<script>alert(1)</script>");
        assert_eq!(A.open("k1", &e), Err(Invalid::Checksum));
    }

    #[test]
    fn another_keys_entry_is_rejected() {
        let e = A.seal("k1", b"ok\nx");
        assert_eq!(A.open("k2", &e), Err(Invalid::Checksum));
    }

    #[test]
    fn other_kind_version_or_old_format_is_rejected() {
        let e = A.seal("k1", b"ok\nx");
        let newer = Kind { version: 3, ..A };
        let other = Kind { name: "gif", ..A };
        assert_eq!(newer.open("k1", &e), Err(Invalid::Header));
        assert_eq!(other.open("k1", &e), Err(Invalid::Header));
        // What quire wrote before entries were sealed.
        assert_eq!(
            A.open("k1", b"ok\n<script>x</script>"),
            Err(Invalid::Header)
        );
        let mut bad_sum = A.seal("k1", b"ok\nx");
        let at = A.header().len();
        bad_sum[at] = b'z';
        assert_eq!(A.open("k1", &bad_sum), Err(Invalid::Malformed));
    }

    #[test]
    fn read_deletes_what_does_not_verify() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e");
        A.write(&path, "k1", b"payload").unwrap();
        assert_eq!(A.read(&path, "k1").as_deref(), Some(&b"payload"[..]));
        assert!(path.exists());
        assert_eq!(A.read(&path, "k2"), None);
        assert!(!path.exists(), "a bad entry is removed");
        assert_eq!(A.read(&path, "k1"), None, "missing is a miss");
    }
}
