// SPDX-License-Identifier: GPL-2.0-only
//! The wire format between the members' daemons and the lead of a
//! distributed address, over a TCP stream: a sequence of frames, each a
//! 10-byte header and a body.
//!
//! ```text
//! magic "VRDH" (4 bytes) | version u8 = 2 | type u8 | length u32 | body (length bytes)
//! ```
//!
//! All integers are big-endian. `length` is the body's length, without the
//! header. The body is a fixed binary layout per type, not JSON: the
//! messages are small and of fixed shape except the snapshot, which is one
//! 42-byte entry per ownership (smaller than its JSON) and is
//! sent whole when a member (re)joins or misses an update; a fixed layout
//! has exactly one encoding of each message, so the decoder can check the
//! length of every field and that nothing trails, and `decode` followed by
//! `encode` gives back the same bytes.
//!
//! | type | message           | body                                                     | from   |
//! |------|-------------------|----------------------------------------------------------|--------|
//! | 1    | `Hello`           | version u8, member u32, name length u8, name (UTF-8)     | both   |
//! | 2    | `Heartbeat`       | member u32                                               | both   |
//! | 3    | `Claim`           | req_id u32, key                                          | member |
//! | 4    | `Release`         | key                                                      | member |
//! | 5    | `Granted`         | req_id u32, seq u64                                      | lead   |
//! | 6    | `Refused`         | req_id u32, errno i32, has owner u8 (0/1), owner u32     | lead   |
//! | 7    | `Update`          | seq u64, change u8 (1 grant, 2 release), key, member u32 (grant only) | lead |
//! | 8    | `SnapshotRequest` | (empty)                                                  | member |
//! | 9    | `Snapshot`        | seq u64, count u32, count × (key, member u32)            | lead   |
//!
//! A key is 38 bytes:
//!
//! ```text
//! address (16) | protocol u8 | port u16 | has remote u8 | remote address (16) | remote port u16
//! ```
//!
//! The protocol is 6 (TCP) or 17 (UDP). An address is the 16 bytes of an
//! IPv6 address in network order; an IPv4 address is sent IPv4-mapped
//! (`::ffff:a.b.c.d`, as the kernel keeps it), and an IPv4-mapped address
//! is decoded as the IPv4 address, so a key has one encoding. The remote
//! address of a connection is of the family of the address (else the frame
//! is rejected); the remote fields (and `Refused`'s owner without one) are
//! all zero when absent (`has remote` 0). `errno` is a positive Linux errno
//! (EADDRINUSE for a port in use). The body of a `Snapshot` is at most
//! [`BODY_MAX`] bytes, the other bodies at most their fixed size (261 bytes
//! for `Hello`).
//!
//! # Versions
//!
//! This is version 2 ([`VERSION`]); version 1 had 14-byte keys (4-byte
//! IPv4 addresses) and could not carry the keys of IPv6 addresses. A daemon speaks one version and rejects a frame of another
//! ([`DecodeError::BadVersion`]): the connection ends with "protocol
//! version 1 is not supported (only 2)" in the log of a version 2 daemon,
//! and the reverse in that of a version 1 daemon. The daemons of a cluster
//! are upgraded together (the lead's database does not survive its restart
//! anyway: the members claim their ports again). `Hello`'s version is the
//! highest version the sender speaks.
//!
//! A session: the member connects to the lead and sends `Hello` (its
//! protocol version, configured member id and host name); the lead answers
//! `Hello` with its own, then a `Snapshot`, and the member replaces its
//! replica with it (so a member never trusts a view from an earlier
//! session or an earlier lead). Both send a `Heartbeat` every
//! [`db::HEARTBEAT_MS`], with their own member id, so each side notices the
//! other is gone. A `Claim` or `Release` is for the member that said
//! `Hello` on this connection; the lead answers a claim with `Granted` or
//! `Refused` with the same `req_id`, and sends every change as an `Update`
//! to every member, the claimer's before its `Granted`, so the claimer's
//! replica shows the grant by the time the reply arrives. A `Release` is
//! not answered other than by its `Update`. A member that gets an update
//! it cannot apply (a gap) sends `SnapshotRequest` and gets a `Snapshot`.
//! A frame the decoder rejects ends the connection.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use super::db::{self, Change, Key, MemberId, Proto, Snapshot, Update};

/// The first four bytes of every frame.
pub const MAGIC: [u8; 4] = *b"VRDH";
/// The protocol version of this encoding: 2, with 16-byte addresses.
pub const VERSION: u8 = 2;
/// The length of a frame's header.
pub const HEADER_LEN: usize = 10;
/// The largest body (a `Snapshot`'s): 32 MiB, room for about 800000
/// ownerships, well above [`db::MAX_ENTRIES`]. It bounds how much a
/// decoder buffers before it sees a whole frame.
pub const BODY_MAX: u32 = 32 << 20;
/// The longest member name in a `Hello`.
pub const NAME_MAX: usize = 255;

const ADDR_LEN: usize = 16;
const KEY_LEN: usize = ADDR_LEN + 1 + 2 + 1 + ADDR_LEN + 2;
const ENTRY_LEN: usize = KEY_LEN + 4;
const SNAPSHOT_FIXED: usize = 8 + 4;

// A snapshot of a full database fits in one frame.
const _: () = assert!(SNAPSHOT_FIXED + db::MAX_ENTRIES * ENTRY_LEN <= BODY_MAX as usize);

const T_HELLO: u8 = 1;
const T_HEARTBEAT: u8 = 2;
const T_CLAIM: u8 = 3;
const T_RELEASE: u8 = 4;
const T_GRANTED: u8 = 5;
const T_REFUSED: u8 = 6;
const T_UPDATE: u8 = 7;
const T_SNAPSHOT_REQUEST: u8 = 8;
const T_SNAPSHOT: u8 = 9;

const CHANGE_GRANT: u8 = 1;
const CHANGE_RELEASE: u8 = 2;

/// The name of a message type, and the largest body it may have; None
/// for an unknown type.
fn type_info(t: u8) -> Option<(&'static str, u32)> {
    Some(match t {
        T_HELLO => ("Hello", 1 + 4 + 1 + NAME_MAX as u32),
        T_HEARTBEAT => ("Heartbeat", 4),
        T_CLAIM => ("Claim", 4 + KEY_LEN as u32),
        T_RELEASE => ("Release", KEY_LEN as u32),
        T_GRANTED => ("Granted", 4 + 8),
        T_REFUSED => ("Refused", 4 + 4 + 1 + 4),
        T_UPDATE => ("Update", 8 + 1 + KEY_LEN as u32 + 4),
        T_SNAPSHOT_REQUEST => ("SnapshotRequest", 0),
        T_SNAPSHOT => ("Snapshot", BODY_MAX),
        _ => return None,
    })
}

fn type_name(t: u8) -> &'static str {
    type_info(t).map_or("unknown", |(name, _)| name)
}

/// A message between a member's daemon and the lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The first message on a connection, from each side: the highest
    /// protocol version the sender speaks, its member id and host name.
    Hello {
        version: u8,
        member: MemberId,
        name: String,
    },
    /// The sender (`member`) is alive.
    Heartbeat { member: MemberId },
    /// The member asks to own `key`.
    Claim { req_id: u32, key: Key },
    /// The member gives `key` up.
    Release { key: Key },
    /// The claim `req_id` is granted; a replica at update `seq` shows it.
    Granted { req_id: u32, seq: u64 },
    /// The claim `req_id` is refused with `errno`; `owner` for EADDRINUSE.
    Refused {
        req_id: u32,
        errno: i32,
        owner: Option<MemberId>,
    },
    /// A change of the lead's database.
    Update(Update),
    /// The member asks for a `Snapshot`.
    SnapshotRequest,
    /// The lead's whole database.
    Snapshot(Snapshot),
}

/// Why a buffer does not start with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// No error so far, but the frame is not whole yet: read more.
    Incomplete,
    /// The stream does not start with [`MAGIC`].
    BadMagic,
    /// A protocol version this side does not speak.
    BadVersion(u8),
    /// An unknown message type.
    BadType(u8),
    /// The header announces a body longer than the type allows.
    TooLong { msg_type: u8, len: u32, max: u32 },
    /// The body does not hold a valid message of its type.
    BadBody { msg_type: u8, what: &'static str },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeError::Incomplete => f.write_str("incomplete frame"),
            DecodeError::BadMagic => f.write_str("not a distributed host frame (bad magic)"),
            DecodeError::BadVersion(v) => {
                write!(f, "protocol version {v} is not supported (only {VERSION})")
            }
            DecodeError::BadType(t) => write!(f, "unknown message type {t}"),
            DecodeError::TooLong { msg_type, len, max } => write!(
                f,
                "{} message of {len} bytes, longer than {max}",
                type_name(msg_type)
            ),
            DecodeError::BadBody { msg_type, what } => {
                write!(f, "malformed {} message: {what}", type_name(msg_type))
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a message cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// A `Hello` name longer than [`NAME_MAX`] bytes.
    NameTooLong(usize),
    /// A body longer than [`BODY_MAX`] (a snapshot too large).
    TooLong(usize),
    /// A key whose remote is of another family than its address, which
    /// the decoder rejects (no valid key is one, see [`Key::is_valid`]).
    MixedKey(Key),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EncodeError::NameTooLong(len) => {
                write!(f, "name of {len} bytes, longer than {NAME_MAX}")
            }
            EncodeError::TooLong(len) => {
                write!(f, "message body of {len} bytes, longer than {BODY_MAX}")
            }
            EncodeError::MixedKey(key) => write!(f, "key {key}: remote of another family"),
        }
    }
}

impl std::error::Error for EncodeError {}

impl Message {
    /// The reply to claim `req_id` refused with `refusal`.
    pub fn refused(req_id: u32, refusal: &db::Refusal) -> Message {
        Message::Refused {
            req_id,
            errno: refusal.errno(),
            owner: refusal.owner(),
        }
    }

    /// The name of the message's type, as in the table above (for logs).
    pub fn name(&self) -> &'static str {
        type_name(self.msg_type())
    }

    fn msg_type(&self) -> u8 {
        match self {
            Message::Hello { .. } => T_HELLO,
            Message::Heartbeat { .. } => T_HEARTBEAT,
            Message::Claim { .. } => T_CLAIM,
            Message::Release { .. } => T_RELEASE,
            Message::Granted { .. } => T_GRANTED,
            Message::Refused { .. } => T_REFUSED,
            Message::Update(_) => T_UPDATE,
            Message::SnapshotRequest => T_SNAPSHOT_REQUEST,
            Message::Snapshot(_) => T_SNAPSHOT,
        }
    }

    /// The frame of this message, header included; every frame it
    /// returns decodes.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(HEADER_LEN + 64);
        out.extend_from_slice(&MAGIC);
        out.push(VERSION);
        out.push(self.msg_type());
        out.extend_from_slice(&[0; 4]);
        match self {
            Message::Hello {
                version,
                member,
                name,
            } => {
                let len =
                    u8::try_from(name.len()).map_err(|_| EncodeError::NameTooLong(name.len()))?;
                out.push(*version);
                put_member(&mut out, *member);
                out.push(len);
                out.extend_from_slice(name.as_bytes());
            }
            Message::Heartbeat { member } => put_member(&mut out, *member),
            Message::Claim { req_id, key } => {
                out.extend_from_slice(&req_id.to_be_bytes());
                put_key(&mut out, key)?;
            }
            Message::Release { key } => put_key(&mut out, key)?,
            Message::Granted { req_id, seq } => {
                out.extend_from_slice(&req_id.to_be_bytes());
                out.extend_from_slice(&seq.to_be_bytes());
            }
            Message::Refused {
                req_id,
                errno,
                owner,
            } => {
                out.extend_from_slice(&req_id.to_be_bytes());
                out.extend_from_slice(&errno.to_be_bytes());
                out.push(u8::from(owner.is_some()));
                put_member(&mut out, owner.unwrap_or(MemberId(0)));
            }
            Message::Update(update) => {
                out.extend_from_slice(&update.seq.to_be_bytes());
                match update.change {
                    Change::Grant { key, member } => {
                        out.push(CHANGE_GRANT);
                        put_key(&mut out, &key)?;
                        put_member(&mut out, member);
                    }
                    Change::Release { key } => {
                        out.push(CHANGE_RELEASE);
                        put_key(&mut out, &key)?;
                    }
                }
            }
            Message::SnapshotRequest => {}
            Message::Snapshot(snapshot) => {
                let count = snapshot_count(snapshot.entries.len())?;
                out.reserve(SNAPSHOT_FIXED + snapshot.entries.len() * ENTRY_LEN);
                out.extend_from_slice(&snapshot.seq.to_be_bytes());
                out.extend_from_slice(&count.to_be_bytes());
                for (key, member) in &snapshot.entries {
                    put_key(&mut out, key)?;
                    put_member(&mut out, *member);
                }
            }
        }
        let len = out.len() - HEADER_LEN;
        let len32 = u32::try_from(len)
            .ok()
            .filter(|&l| l <= BODY_MAX)
            .ok_or(EncodeError::TooLong(len))?;
        out[6..HEADER_LEN].copy_from_slice(&len32.to_be_bytes());
        Ok(out)
    }
}

/// The count field of a snapshot of `entries` entries, if its body fits
/// in a frame (checked before the body is built).
fn snapshot_count(entries: usize) -> Result<u32, EncodeError> {
    let bytes = entries
        .saturating_mul(ENTRY_LEN)
        .saturating_add(SNAPSHOT_FIXED);
    if bytes > BODY_MAX as usize {
        return Err(EncodeError::TooLong(bytes));
    }
    u32::try_from(entries).map_err(|_| EncodeError::TooLong(bytes))
}

fn put_member(out: &mut Vec<u8>, member: MemberId) {
    out.extend_from_slice(&member.0.to_be_bytes());
}

/// The 16 bytes of `addr`: an IPv4 address IPv4-mapped.
fn addr_octets(addr: IpAddr) -> [u8; ADDR_LEN] {
    match addr {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

/// Writes `key`; an error for a remote of another family than the
/// address (IPv4-mapped addresses count as IPv4 ones, as decoded).
fn put_key(out: &mut Vec<u8>, key: &Key) -> Result<(), EncodeError> {
    out.extend_from_slice(&addr_octets(key.addr));
    out.push(key.proto.number());
    out.extend_from_slice(&key.port.to_be_bytes());
    match key.remote {
        Some((addr, port)) => {
            if addr.to_canonical().is_ipv4() != key.addr.to_canonical().is_ipv4() {
                return Err(EncodeError::MixedKey(*key));
            }
            out.push(1);
            out.extend_from_slice(&addr_octets(addr));
            out.extend_from_slice(&port.to_be_bytes());
        }
        None => out.extend_from_slice(&[0; 1 + ADDR_LEN + 2]),
    }
    Ok(())
}

/// The message at the start of `buf` and the length of its frame (the
/// bytes to drop before the next one). [`DecodeError::Incomplete`] while
/// `buf` holds a valid beginning of a frame but not all of it; any other
/// error as soon as the bytes present show it (a wrong magic after its
/// first byte, a wrong version or type before the length).
pub fn decode(buf: &[u8]) -> Result<(Message, usize), DecodeError> {
    let n = buf.len().min(MAGIC.len());
    if buf.get(..n) != MAGIC.get(..n) {
        return Err(DecodeError::BadMagic);
    }
    if let Some(&v) = buf.get(4) {
        if v != VERSION {
            return Err(DecodeError::BadVersion(v));
        }
    }
    let Some(&msg_type) = buf.get(5) else {
        return Err(DecodeError::Incomplete);
    };
    let (_, max) = type_info(msg_type).ok_or(DecodeError::BadType(msg_type))?;
    let Some(len) = buf.get(6..HEADER_LEN) else {
        return Err(DecodeError::Incomplete);
    };
    let mut len_bytes = [0; 4];
    len_bytes.copy_from_slice(len);
    let len = u32::from_be_bytes(len_bytes);
    let too_long = DecodeError::TooLong { msg_type, len, max };
    if len > max {
        return Err(too_long);
    }
    let total = usize::try_from(len)
        .ok()
        .and_then(|l| l.checked_add(HEADER_LEN))
        .ok_or(too_long)?;
    let Some(body) = buf.get(HEADER_LEN..total) else {
        return Err(DecodeError::Incomplete);
    };
    let mut r = Reader {
        buf: body,
        msg_type,
    };
    let msg = r.message()?;
    if !r.buf.is_empty() {
        return Err(r.bad("trailing bytes"));
    }
    Ok((msg, total))
}

/// A cursor over a body; every read checks the length left.
struct Reader<'a> {
    buf: &'a [u8],
    msg_type: u8,
}

impl Reader<'_> {
    fn bad(&self, what: &'static str) -> DecodeError {
        DecodeError::BadBody {
            msg_type: self.msg_type,
            what,
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let (head, rest) = self.buf.split_at_checked(N).ok_or(self.bad("too short"))?;
        let mut a = [0; N];
        a.copy_from_slice(head);
        self.buf = rest;
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        self.array().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        self.array().map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        self.array().map(u64::from_be_bytes)
    }

    fn flag(&mut self) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.bad("flag is neither 0 nor 1")),
        }
    }

    fn member(&mut self) -> Result<MemberId, DecodeError> {
        self.u32().map(MemberId)
    }

    /// An address: IPv4 if IPv4-mapped.
    fn addr(&mut self) -> Result<IpAddr, DecodeError> {
        self.array::<ADDR_LEN>()
            .map(|a| IpAddr::V6(Ipv6Addr::from(a)).to_canonical())
    }

    fn key(&mut self) -> Result<Key, DecodeError> {
        let addr = self.addr()?;
        let proto = Proto::from_number(self.u8()?).ok_or(self.bad("unknown protocol"))?;
        let port = self.u16()?;
        let has_remote = self.flag()?;
        let remote = (self.addr()?, self.u16()?);
        let remote = if has_remote {
            if remote.0.is_ipv4() != addr.is_ipv4() {
                return Err(self.bad("remote of another family"));
            }
            Some(remote)
        } else if remote == (IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0) {
            None
        } else {
            return Err(self.bad("remote without its flag"));
        };
        Ok(Key {
            addr,
            proto,
            port,
            remote,
        })
    }

    /// A key of the lead's database (an Update or a Snapshot): a valid one,
    /// which a member programs into its kernel as it is.
    fn valid_key(&mut self) -> Result<Key, DecodeError> {
        let key = self.key()?;
        if !key.is_valid() {
            return Err(self.bad("invalid key"));
        }
        Ok(key)
    }

    fn message(&mut self) -> Result<Message, DecodeError> {
        Ok(match self.msg_type {
            T_HELLO => {
                let version = self.u8()?;
                let member = self.member()?;
                let len = usize::from(self.u8()?);
                let (name, rest) = self
                    .buf
                    .split_at_checked(len)
                    .ok_or(self.bad("name too short"))?;
                let name = std::str::from_utf8(name).map_err(|_| self.bad("name is not UTF-8"))?;
                self.buf = rest;
                Message::Hello {
                    version,
                    member,
                    name: name.to_owned(),
                }
            }
            T_HEARTBEAT => Message::Heartbeat {
                member: self.member()?,
            },
            T_CLAIM => Message::Claim {
                req_id: self.u32()?,
                key: self.key()?,
            },
            T_RELEASE => Message::Release { key: self.key()? },
            T_GRANTED => Message::Granted {
                req_id: self.u32()?,
                seq: self.u64()?,
            },
            T_REFUSED => {
                let req_id = self.u32()?;
                let errno = self.array().map(i32::from_be_bytes)?;
                let has_owner = self.flag()?;
                let owner = self.member()?;
                let owner = match (has_owner, owner) {
                    (true, owner) => Some(owner),
                    (false, MemberId(0)) => None,
                    (false, _) => return Err(self.bad("owner without its flag")),
                };
                Message::Refused {
                    req_id,
                    errno,
                    owner,
                }
            }
            T_UPDATE => {
                let seq = self.u64()?;
                let change = match self.u8()? {
                    CHANGE_GRANT => Change::Grant {
                        key: self.valid_key()?,
                        member: self.member()?,
                    },
                    CHANGE_RELEASE => Change::Release {
                        key: self.valid_key()?,
                    },
                    _ => return Err(self.bad("unknown change")),
                };
                Message::Update(Update { seq, change })
            }
            T_SNAPSHOT_REQUEST => Message::SnapshotRequest,
            T_SNAPSHOT => {
                let seq = self.u64()?;
                let count = usize::try_from(self.u32()?).map_err(|_| self.bad("count"))?;
                if count.checked_mul(ENTRY_LEN) != Some(self.buf.len()) {
                    return Err(self.bad("count does not match the length"));
                }
                let mut entries = Vec::with_capacity(count);
                for _ in 0..count {
                    entries.push((self.valid_key()?, self.member()?));
                }
                Message::Snapshot(Snapshot { seq, entries })
            }
            // decode() checked the type.
            t => return Err(DecodeError::BadType(t)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::net::Ipv4Addr;

    const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 7);
    const A6: Ipv6Addr = Ipv6Addr::new(0xfd00, 9, 0, 0, 0, 0, 0, 0x100);
    const PEER6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7);

    fn conn() -> Key {
        Key::connection(A, Proto::Udp, 40000, PEER, 53)
    }

    fn bound() -> Key {
        Key::bound(A, Proto::Tcp, 80)
    }

    fn conn6() -> Key {
        Key::connection(A6, Proto::Tcp, 443, PEER6, 50000)
    }

    fn bound6() -> Key {
        Key::bound(A6, Proto::Udp, 53)
    }

    /// One message of each type, and variants of their optional parts.
    fn samples() -> Vec<Message> {
        vec![
            Message::Hello {
                version: VERSION,
                member: MemberId(7),
                name: "node-7.example".into(),
            },
            Message::Hello {
                version: 200,
                member: MemberId(u32::MAX),
                name: "é".repeat(NAME_MAX / 2),
            },
            Message::Hello {
                version: 1,
                member: MemberId(0),
                name: String::new(),
            },
            Message::Heartbeat {
                member: MemberId(3),
            },
            Message::Claim {
                req_id: 42,
                key: bound(),
            },
            Message::Claim {
                req_id: u32::MAX,
                key: conn(),
            },
            Message::Claim {
                req_id: 7,
                key: conn6(),
            },
            Message::Claim {
                req_id: 8,
                key: bound6(),
            },
            Message::Release { key: conn() },
            Message::Release { key: bound() },
            Message::Release { key: conn6() },
            Message::Granted {
                req_id: 42,
                seq: u64::MAX,
            },
            Message::refused(42, &db::Refusal::InUse { owner: MemberId(0) }),
            Message::refused(43, &db::Refusal::Invalid),
            Message::Update(Update {
                seq: 1,
                change: Change::Grant {
                    key: conn(),
                    member: MemberId(2),
                },
            }),
            Message::Update(Update {
                seq: 2,
                change: Change::Release { key: bound() },
            }),
            Message::Update(Update {
                seq: 3,
                change: Change::Grant {
                    key: conn6(),
                    member: MemberId(3),
                },
            }),
            Message::Update(Update {
                seq: 4,
                change: Change::Release { key: bound6() },
            }),
            Message::SnapshotRequest,
            Message::Snapshot(Snapshot::default()),
            Message::Snapshot(Snapshot {
                seq: 99,
                entries: vec![
                    (bound(), MemberId(1)),
                    (conn(), MemberId(2)),
                    (bound6(), MemberId(1)),
                    (conn6(), MemberId(3)),
                ],
            }),
        ]
    }

    fn encode(msg: &Message) -> Vec<u8> {
        msg.encode().expect("encodable")
    }

    #[test]
    fn round_trip() {
        let mut types = Vec::new();
        for msg in samples() {
            let frame = encode(&msg);
            assert_eq!(frame[..4], MAGIC);
            assert_eq!(frame[4], VERSION);
            let len = u32::from_be_bytes([frame[6], frame[7], frame[8], frame[9]]);
            assert_eq!(len as usize, frame.len() - HEADER_LEN);
            assert_eq!(decode(&frame), Ok((msg.clone(), frame.len())), "{msg:?}");
            types.push(frame[5]);
            assert_eq!(msg.name(), type_name(frame[5]));
        }
        types.dedup();
        assert_eq!(types, (1..=9).collect::<Vec<_>>(), "every type is sampled");
    }

    /// The 16 bytes of an IPv4-mapped address.
    fn mapped(a: [u8; 4]) -> Vec<u8> {
        let mut v = vec![0; 10];
        v.extend([0xff, 0xff]);
        v.extend(a);
        v
    }

    #[test]
    fn layout() {
        // The documented layout, byte for byte.
        let frame = encode(&Message::Claim {
            req_id: 0x0102_0304,
            key: conn(),
        });
        let mut want = vec![b'V', b'R', b'D', b'H', 2, 3, 0, 0, 0, 42]; // header
        want.extend([1, 2, 3, 4]); // req_id
        want.extend(mapped([10, 0, 0, 1])); // addr
        want.extend([17, 0x9c, 0x40]); // UDP, 40000
        want.push(1); // has remote
        want.extend(mapped([192, 0, 2, 7])); // remote
        want.extend([0, 53]); // remote port
        assert_eq!(frame, want);
        assert_eq!(frame.len(), HEADER_LEN + 4 + KEY_LEN);
        // An IPv6 port key: its 16 bytes, the remote fields all zero.
        let frame = encode(&Message::Release { key: bound6() });
        let mut want = vec![b'V', b'R', b'D', b'H', 2, 4, 0, 0, 0, 38];
        want.extend(A6.octets());
        want.extend([17, 0, 53]);
        want.extend([0; 19]);
        assert_eq!(frame, want);
        let frame = encode(&Message::Claim {
            req_id: 1,
            key: conn6(),
        });
        assert_eq!(frame[HEADER_LEN + 4 + 19], 1, "has remote");
        assert_eq!(
            frame[HEADER_LEN + 4 + 20..HEADER_LEN + 4 + 36],
            PEER6.octets()
        );
        assert_eq!(frame[HEADER_LEN + 4 + 36..], [0xc3, 0x50]);
        // A snapshot entry is a key and a member.
        let frame = encode(&Message::Snapshot(Snapshot {
            seq: 1,
            entries: vec![(bound(), MemberId(5))],
        }));
        assert_eq!(frame.len(), HEADER_LEN + 8 + 4 + 42);
        assert_eq!(frame[frame.len() - 4..], [0, 0, 0, 5]);
        let frame = encode(&Message::Refused {
            req_id: 1,
            errno: libc::EADDRINUSE,
            owner: None,
        });
        assert_eq!(
            frame[HEADER_LEN..],
            [0, 0, 0, 1, 0, 0, 0, 98, 0, 0, 0, 0, 0]
        );
        let frame = encode(&Message::SnapshotRequest);
        assert_eq!(frame, [b'V', b'R', b'D', b'H', 2, 8, 0, 0, 0, 0]);
    }

    /// A version 1 daemon's frames (14-byte keys) are refused by their
    /// header, with an error that says which versions.
    #[test]
    fn version_1_frames_are_refused() {
        let v1_claim = [
            b'V', b'R', b'D', b'H', 1, 3, 0, 0, 0, 18, // header
            1, 2, 3, 4, // req_id
            10, 0, 0, 1, 17, 0x9c, 0x40, // addr, UDP, 40000
            1, 192, 0, 2, 7, 0, 53, // remote
        ];
        let v1_hello = [b'V', b'R', b'D', b'H', 1, 1, 0, 0, 0, 6, 1, 0, 0, 0, 2, 0];
        for frame in [&v1_claim[..], &v1_hello[..]] {
            assert_eq!(decode(frame), Err(DecodeError::BadVersion(1)));
            assert_eq!(decode(&frame[..5]), Err(DecodeError::BadVersion(1)));
        }
        assert_eq!(
            decode(&v1_hello).unwrap_err().to_string(),
            "protocol version 1 is not supported (only 2)"
        );
        // The same frame as version 2 is a valid Hello.
        let mut v2 = v1_hello;
        v2[4] = VERSION;
        assert_eq!(
            decode(&v2),
            Ok((
                Message::Hello {
                    version: 1,
                    member: MemberId(2),
                    name: String::new()
                },
                v2.len()
            ))
        );
    }

    /// An IPv4-mapped address on the wire is the IPv4 address: the same
    /// key as the IPv4 form, encoded the same.
    #[test]
    fn mapped_addresses_are_ipv4() {
        let mapped = Key::connection(
            A.to_ipv6_mapped(),
            Proto::Udp,
            40000,
            PEER.to_ipv6_mapped(),
            53,
        );
        assert_eq!(mapped, conn());
        let hand = Key {
            addr: IpAddr::V6(A.to_ipv6_mapped()),
            ..bound()
        };
        let frame = encode(&Message::Release { key: hand });
        assert_eq!(frame, encode(&Message::Release { key: bound() }));
        assert_eq!(
            decode(&frame),
            Ok((Message::Release { key: bound() }, frame.len()))
        );
    }

    #[test]
    fn names() {
        assert_eq!(Message::SnapshotRequest.name(), "SnapshotRequest");
        assert_eq!(Message::Snapshot(Snapshot::default()).name(), "Snapshot");
        assert_eq!(Message::Release { key: bound() }.name(), "Release");
    }

    #[test]
    fn refused_carries_errno_and_owner() {
        let msg = Message::refused(5, &db::Refusal::InUse { owner: MemberId(9) });
        assert_eq!(
            msg,
            Message::Refused {
                req_id: 5,
                errno: libc::EADDRINUSE,
                owner: Some(MemberId(9))
            }
        );
    }

    #[test]
    fn stream_of_frames() {
        let msgs = samples();
        let mut stream = Vec::new();
        for msg in &msgs {
            stream.extend(encode(msg));
        }
        let mut rest = &stream[..];
        let mut got = Vec::new();
        while !rest.is_empty() {
            let (msg, len) = decode(rest).expect("valid stream");
            got.push(msg);
            rest = &rest[len..];
        }
        assert_eq!(got, msgs);
        assert_eq!(decode(rest), Err(DecodeError::Incomplete));
    }

    #[test]
    fn truncated_frames_are_incomplete() {
        for msg in samples() {
            let frame = encode(&msg);
            for len in 0..frame.len() {
                assert_eq!(
                    decode(&frame[..len]),
                    Err(DecodeError::Incomplete),
                    "{msg:?} cut at {len}"
                );
            }
        }
    }

    fn header(version: u8, msg_type: u8, len: u32) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        h.push(version);
        h.push(msg_type);
        h.extend(len.to_be_bytes());
        h
    }

    #[test]
    fn bad_headers() {
        let frame = encode(&Message::Heartbeat {
            member: MemberId(1),
        });
        for i in 0..4 {
            let mut f = frame.clone();
            f[i] ^= 0x20;
            assert_eq!(decode(&f), Err(DecodeError::BadMagic));
            // Seen as soon as the wrong byte is there.
            assert_eq!(decode(&f[..=i]), Err(DecodeError::BadMagic));
        }
        assert_eq!(decode(b"GET / HTTP/1.1\r\n"), Err(DecodeError::BadMagic));
        for v in [0, 1, 3, 255] {
            let f = header(v, T_HEARTBEAT, 4);
            assert_eq!(decode(&f), Err(DecodeError::BadVersion(v)));
            assert_eq!(decode(&f[..5]), Err(DecodeError::BadVersion(v)));
        }
        for t in [0, 10, 255] {
            let f = header(VERSION, t, 0);
            assert_eq!(decode(&f), Err(DecodeError::BadType(t)));
            assert_eq!(decode(&f[..6]), Err(DecodeError::BadType(t)));
        }
        let too_long = |msg_type, len, max| Err(DecodeError::TooLong { msg_type, len, max });
        assert_eq!(
            decode(&header(VERSION, T_HEARTBEAT, 5)),
            too_long(T_HEARTBEAT, 5, 4)
        );
        assert_eq!(
            decode(&header(VERSION, T_SNAPSHOT_REQUEST, 1)),
            too_long(T_SNAPSHOT_REQUEST, 1, 0)
        );
        assert_eq!(
            decode(&header(VERSION, T_HELLO, 262)),
            too_long(T_HELLO, 262, 261)
        );
        assert_eq!(
            decode(&header(VERSION, T_SNAPSHOT, BODY_MAX + 1)),
            too_long(T_SNAPSHOT, BODY_MAX + 1, BODY_MAX)
        );
        assert_eq!(
            decode(&header(VERSION, T_SNAPSHOT, u32::MAX)),
            too_long(T_SNAPSHOT, u32::MAX, BODY_MAX)
        );
        // At the cap, a snapshot is only incomplete.
        assert_eq!(
            decode(&header(VERSION, T_SNAPSHOT, BODY_MAX)),
            Err(DecodeError::Incomplete)
        );
    }

    fn with_body(msg_type: u8, body: &[u8]) -> Result<(Message, usize), DecodeError> {
        let len = u32::try_from(body.len()).expect("small");
        let mut f = header(VERSION, msg_type, len);
        f.extend_from_slice(body);
        decode(&f)
    }

    fn bad(msg_type: u8, what: &'static str) -> Result<(Message, usize), DecodeError> {
        Err(DecodeError::BadBody { msg_type, what })
    }

    #[test]
    fn bad_bodies() {
        assert_eq!(
            with_body(T_HEARTBEAT, &[0, 0, 1]),
            bad(T_HEARTBEAT, "too short")
        );
        assert_eq!(with_body(T_GRANTED, &[0; 11]), bad(T_GRANTED, "too short"));
        let hello = encode(&Message::Hello {
            version: 1,
            member: MemberId(1),
            name: "ab".into(),
        });
        let mut body = hello[HEADER_LEN..].to_vec();
        body.push(0);
        assert_eq!(with_body(T_HELLO, &body), bad(T_HELLO, "trailing bytes"));
        body.truncate(body.len() - 2);
        assert_eq!(with_body(T_HELLO, &body), bad(T_HELLO, "name too short"));
        assert_eq!(
            with_body(T_HELLO, &[1, 0, 0, 0, 1, 2, 0xc3, 0x28]),
            bad(T_HELLO, "name is not UTF-8")
        );
        let release = encode(&Message::Release { key: bound() });
        let body = &release[HEADER_LEN..];
        let mut b = body.to_vec();
        b[16] = 1; // ICMP
        assert_eq!(with_body(T_RELEASE, &b), bad(T_RELEASE, "unknown protocol"));
        let mut b = body.to_vec();
        b[19] = 2;
        assert_eq!(
            with_body(T_RELEASE, &b),
            bad(T_RELEASE, "flag is neither 0 nor 1")
        );
        // A remote address or port without the flag; a remote of another
        // family than the address (either way).
        for at in [20, 35, 37] {
            let mut b = body.to_vec();
            b[at] = 1;
            assert_eq!(
                with_body(T_RELEASE, &b),
                bad(T_RELEASE, "remote without its flag"),
                "byte {at}"
            );
        }
        let release = encode(&Message::Release { key: conn() });
        let mut b = release[HEADER_LEN..].to_vec();
        b[20..36].copy_from_slice(&PEER6.octets());
        assert_eq!(
            with_body(T_RELEASE, &b),
            bad(T_RELEASE, "remote of another family")
        );
        let release = encode(&Message::Release { key: conn6() });
        let mut b = release[HEADER_LEN..].to_vec();
        b[20..36].copy_from_slice(&PEER.to_ipv6_mapped().octets());
        assert_eq!(
            with_body(T_RELEASE, &b),
            bad(T_RELEASE, "remote of another family")
        );
        // A key is 38 bytes, not 14.
        assert_eq!(
            with_body(T_RELEASE, &body[..14]),
            bad(T_RELEASE, "too short")
        );
        let refused = encode(&Message::refused(1, &db::Refusal::Full));
        let mut b = refused[HEADER_LEN..].to_vec();
        b[12] = 1;
        assert_eq!(
            with_body(T_REFUSED, &b),
            bad(T_REFUSED, "owner without its flag")
        );
        let update = encode(&Message::Update(Update {
            seq: 1,
            change: Change::Release { key: bound() },
        }));
        let mut b = update[HEADER_LEN..].to_vec();
        b[8] = 3;
        assert_eq!(with_body(T_UPDATE, &b), bad(T_UPDATE, "unknown change"));
        // A release with a grant's member field.
        let mut b = update[HEADER_LEN..].to_vec();
        b.extend([0, 0, 0, 1]);
        assert_eq!(with_body(T_UPDATE, &b), bad(T_UPDATE, "trailing bytes"));
        // Snapshot counts that do not match the body.
        let snap = encode(&Message::Snapshot(Snapshot {
            seq: 1,
            entries: vec![(bound(), MemberId(1))],
        }));
        let body = &snap[HEADER_LEN..];
        let count_bad = bad(T_SNAPSHOT, "count does not match the length");
        for count in [0u32, 2, u32::MAX] {
            let mut b = body.to_vec();
            b[8..12].copy_from_slice(&count.to_be_bytes());
            assert_eq!(with_body(T_SNAPSHOT, &b), count_bad);
        }
        assert_eq!(with_body(T_SNAPSHOT, &body[..body.len() - 1]), count_bad);
        assert_eq!(
            with_body(T_SNAPSHOT, &[0; 11]),
            bad(T_SNAPSHOT, "too short")
        );
    }

    #[test]
    fn encode_errors() {
        let long = Message::Hello {
            version: 1,
            member: MemberId(1),
            name: "x".repeat(NAME_MAX + 1),
        };
        assert_eq!(long.encode(), Err(EncodeError::NameTooLong(NAME_MAX + 1)));
        let fits = (BODY_MAX as usize - SNAPSHOT_FIXED) / ENTRY_LEN;
        assert_eq!(snapshot_count(fits), Ok(fits as u32));
        assert_eq!(
            snapshot_count(fits + 1),
            Err(EncodeError::TooLong(
                SNAPSHOT_FIXED + (fits + 1) * ENTRY_LEN
            ))
        );
        assert_eq!(
            snapshot_count(usize::MAX),
            Err(EncodeError::TooLong(usize::MAX))
        );
        assert!(snapshot_count(db::MAX_ENTRIES).is_ok());
        assert_eq!(
            EncodeError::NameTooLong(300).to_string(),
            "name of 300 bytes, longer than 255"
        );
        // A remote of another family: the decoder would reject it.
        let mixed = Key::connection(A, Proto::Tcp, 80, PEER6, 4000);
        let err = Err(EncodeError::MixedKey(mixed));
        assert_eq!(Message::Release { key: mixed }.encode(), err);
        let grant = Change::Grant {
            key: mixed,
            member: MemberId(1),
        };
        let update = Message::Update(Update {
            seq: 1,
            change: grant,
        });
        assert_eq!(update.encode(), err);
        let snap = Snapshot {
            seq: 1,
            entries: vec![(bound(), MemberId(1)), (mixed, MemberId(2))],
        };
        assert_eq!(Message::Snapshot(snap).encode(), err);
        assert_eq!(
            EncodeError::MixedKey(mixed).to_string(),
            "key tcp 10.0.0.1:80 peer [2001:db8::7]:4000: remote of another family"
        );
        // The lead's database holds valid keys only: an Update or a
        // Snapshot with another one (port 0 here) is refused whole.
        let port0 = Key { port: 0, ..bound() };
        let update = Message::Update(Update {
            seq: 1,
            change: Change::Release { key: port0 },
        });
        let frame = update.encode().expect("encodes");
        assert!(
            matches!(
                decode(&frame),
                Err(DecodeError::BadBody {
                    what: "invalid key",
                    ..
                })
            ),
            "{:?}",
            decode(&frame)
        );
        let snap = Snapshot {
            seq: 1,
            entries: vec![(bound(), MemberId(1)), (port0, MemberId(2))],
        };
        let frame = Message::Snapshot(snap).encode().expect("encodes");
        assert!(matches!(
            decode(&frame),
            Err(DecodeError::BadBody {
                what: "invalid key",
                ..
            })
        ));
        // A mapped remote of an IPv4 address is the IPv4 remote.
        let hand = Key {
            remote: Some((IpAddr::V6(PEER.to_ipv6_mapped()), 53)),
            ..conn()
        };
        assert_eq!(
            Message::Release { key: hand }.encode(),
            Message::Release { key: conn() }.encode()
        );
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            DecodeError::TooLong {
                msg_type: T_HEARTBEAT,
                len: 5,
                max: 4
            }
            .to_string(),
            "Heartbeat message of 5 bytes, longer than 4"
        );
        assert_eq!(
            DecodeError::BadBody {
                msg_type: T_SNAPSHOT,
                what: "too short"
            }
            .to_string(),
            "malformed Snapshot message: too short"
        );
        assert_eq!(
            DecodeError::BadVersion(1).to_string(),
            "protocol version 1 is not supported (only 2)"
        );
        assert_eq!(
            DecodeError::BadType(0).to_string(),
            "unknown message type 0"
        );
    }

    /// Random and mutated input never panics, and whatever decodes encodes
    /// back to the same bytes.
    #[test]
    fn fuzz() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        let frames: Vec<Vec<u8>> = samples().iter().map(encode).collect();
        let mut decoded = 0;
        for i in 0..200_000 {
            let mut buf = match i % 4 {
                // Random bytes.
                0 => (0..next() % 64).map(|_| next() as u8).collect(),
                // A valid header and a random body.
                1 => {
                    let t = (next() % 11) as u8;
                    let len = next() % 40;
                    let mut b = header(VERSION, t, len);
                    b.extend((0..next() % 48).map(|_| next() as u8));
                    b
                }
                // A valid frame with a few bytes changed.
                _ => {
                    let mut b = frames[next() as usize % frames.len()].clone();
                    for _ in 0..1 + next() % 3 {
                        let at = next() as usize % b.len();
                        b[at] = match next() % 3 {
                            0 => next() as u8,
                            1 => b[at] ^ (1 << (next() % 8)),
                            _ => b[at].wrapping_add(1),
                        };
                    }
                    b
                }
            };
            if next() % 4 == 0 {
                buf.truncate(next() as usize % (buf.len() + 1));
            }
            if let Ok((msg, len)) = decode(&buf) {
                decoded += 1;
                assert!(len <= buf.len());
                assert_eq!(msg.encode().as_deref(), Ok(&buf[..len]), "{buf:?}");
            }
        }
        assert!(decoded > 1000, "the mutations reach the bodies ({decoded})");
    }
}
