// SPDX-License-Identifier: GPL-2.0-only
//! Raft RPCs between the members' daemons over TCP: wire protocol 5.
//!
//! ```text
//! magic "VRDH" (4 bytes) | version u8 = 5 | type u8 | length u32 | body (length bytes)
//! ```
//!
//! The header has the layout of protocol 2 (a configured lead's, gone); a
//! daemon of one version rejects the frames of another ("protocol
//! version 4 is not supported (only 5)"). Version 4 added
//! [`Cmd::Hold`] and [`Cmd::Unhold`] to version 3; version 5 added
//! [`Cmd::Drain`], [`Cmd::Move`], [`Cmd::DrainAbort`] and their replies
//! (and snapshots with the drains). Integers of the header are
//! big-endian; bodies are postcard
//! (<https://postcard.jamesmunns.com/wire-format>) encodings of openraft
//! 0.9.25's serde types and of [`Cmd`]/[`Reply`], so an openraft upgrade
//! that changes them is a new protocol version.
//!
//! | type | message | body |
//! |------|---------|------|
//! | 1 | `Hello` | [`Hello`]: version, member id, cluster id (no request id) |
//! | 16 / 17 | `AppendEntries` / reply | `AppendEntriesRequest` / `Result<AppendEntriesResponse, RaftError>` |
//! | 18 / 19 | `Vote` / reply | `VoteRequest` / `Result<VoteResponse, RaftError>` |
//! | 20 / 21 | `InstallSnapshot` / reply | `InstallSnapshotRequest` / `Result<InstallSnapshotResponse, RaftError<InstallSnapshotError>>` |
//! | 32 / 33 | `Propose` / reply | [`Cmd`] / `Result<(log index, Reply), ProposeError>` |
//!
//! Every request and reply body starts with a request id (u32, big-endian),
//! echoed in the reply, then the postcard encoding; nothing may trail it.
//!
//! A connection starts with `Hello` both ways (at most [`HELLO_MAX`]
//! bytes, within [`HANDSHAKE_TIMEOUT`]); the side that connected then sends
//! requests, one at a time, and the other answers each with the reply type
//! (request type + 1) and the same id. openraft opens a client per target
//! for replication, one for snapshots and one for each vote round; each is
//! a connection, made when first used and closed on any failure. A
//! connection is made, and each request sent and answered, in a task of
//! its own, which a call that timed out or was cancelled leaves running
//! for as long again as the call had (TCP's connect only: then both
//! `Hello`s get [`HANDSHAKE_TIMEOUT`]; so a peer cut off gets a new SYN
//! every other call or so, not TCP's own retries, a second apart); the
//! next call waits for that task and takes the connection, made, or with
//! the late answer read, checked and counted as the peer's answer, not
//! the next request's. openraft gives an append one heartbeat: a slow
//! peer whose answers came just too late would otherwise have each append
//! wait for a new connection's two round trips too, and miss its
//! heartbeat every time. A `Hello` of another
//! version or group, an unknown type, a body that does not decode or a
//! reply with another id ends the connection. A daemon serves at most
//! [`MAX_CONNECTIONS`] connections. There is no authentication: the
//! daemons' addresses must be on a trusted segment.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openraft::error::{
    ClientWriteError, InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError,
    Timeout, Unreachable,
};
use openraft::network::{Backoff, RPCOption, RPCTypes, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::{BasicNode, Raft};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use super::{Cmd, Reply, TypeConfig};

/// The first four bytes of every frame.
pub const MAGIC: [u8; 4] = *b"VRDH";
/// This protocol's version.
pub const VERSION: u8 = 5;
const HEADER_LEN: usize = 10;
/// The largest body: 32 MiB (snapshots are sent in chunks of at most
/// openraft's `snapshot_max_chunk_size`, below it).
pub const BODY_MAX: u32 = 32 << 20;

/// The largest `Hello` body.
pub const HELLO_MAX: u32 = 64;
/// How long a side waits for the other's `Hello`.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a daemon waits for its Raft node to apply a `Propose`
/// (the kernel waits 5 s for a claim's answer).
pub const PROPOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// The most connections a daemon serves at once.
pub const MAX_CONNECTIONS: usize = 64;

const T_HELLO: u8 = 1;
const T_APPEND: u8 = 16;
const T_VOTE: u8 = 18;
const T_SNAPSHOT: u8 = 20;
const T_PROPOSE: u8 = 32;

/// The first frame of each side of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`VERSION`].
    pub version: u8,
    /// The sender's member id.
    pub member: u64,
    /// An id of the group (of the VR and the member list): daemons of two
    /// groups do not talk.
    pub cluster: u64,
}

/// Why a proposal was not applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProposeError {
    /// The daemon asked does not lead; the leader it knows of, if any.
    NotLeader { leader: Option<u64> },
    /// The Raft node failed or stopped (the message says why).
    Failed(String),
}

impl fmt::Display for ProposeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProposeError::NotLeader { leader: Some(l) } => {
                write!(f, "not the leader (member {l} is)")
            }
            ProposeError::NotLeader { leader: None } => {
                f.write_str("not the leader (no leader known)")
            }
            ProposeError::Failed(why) => write!(f, "proposal failed: {why}"),
        }
    }
}

impl std::error::Error for ProposeError {}

fn invalid(what: impl fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Reads one frame of at most `max` body bytes: its type and body.
pub async fn read_frame(r: &mut (impl AsyncRead + Unpin), max: u32) -> io::Result<(u8, Vec<u8>)> {
    let mut header = [0u8; HEADER_LEN];
    r.read_exact(&mut header).await?;
    if header[..4] != MAGIC {
        return Err(invalid("not a vr-dhostd frame (bad magic)"));
    }
    if header[4] != VERSION {
        return Err(invalid(format_args!(
            "protocol version {} is not supported (only {VERSION})",
            header[4]
        )));
    }
    let len = u32::from_be_bytes([header[6], header[7], header[8], header[9]]);
    if len > max {
        return Err(invalid(format_args!(
            "a body of {len} bytes (at most {max} for type {})",
            header[5]
        )));
    }
    let mut body = vec![0u8; len as usize];
    r.read_exact(&mut body).await?;
    Ok((header[5], body))
}

/// Writes one frame of type `t`.
pub async fn write_frame(w: &mut (impl AsyncWrite + Unpin), t: u8, body: &[u8]) -> io::Result<()> {
    let len = u32::try_from(body.len())
        .ok()
        .filter(|&l| l <= BODY_MAX)
        .ok_or_else(|| invalid(format_args!("a body of {} bytes", body.len())))?;
    let mut frame = Vec::with_capacity(HEADER_LEN + body.len());
    frame.extend_from_slice(&MAGIC);
    frame.push(VERSION);
    frame.push(t);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(body);
    w.write_all(&frame).await
}

fn encode<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    postcard::to_stdvec(value).map_err(invalid)
}

/// The whole of `body`, nothing trailing.
fn decode<T: DeserializeOwned>(body: &[u8]) -> io::Result<T> {
    match postcard::take_from_bytes(body) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(invalid(format_args!(
            "{} bytes after the message",
            rest.len()
        ))),
        Err(e) => Err(invalid(e)),
    }
}

/// A request or reply body: `id`, then `value`.
fn encode_with_id<T: Serialize>(id: u32, value: &T) -> io::Result<Vec<u8>> {
    let mut body = id.to_be_bytes().to_vec();
    body.extend(encode(value)?);
    Ok(body)
}

/// The id and the value of a request or reply body.
fn decode_with_id<T: DeserializeOwned>(body: &[u8]) -> io::Result<(u32, T)> {
    let (id, rest) = split_id(body)?;
    Ok((id, decode(rest)?))
}

/// The request id a body starts with, and the rest.
fn split_id(body: &[u8]) -> io::Result<(u32, &[u8])> {
    let (id, rest) = body
        .split_first_chunk::<4>()
        .ok_or_else(|| invalid("a body shorter than its request id"))?;
    Ok((u32::from_be_bytes(*id), rest))
}

/// The rest of `answer`, of type `got`, after its id, if it answers the
/// request `id` of type `t`.
fn answer_to(t: u8, id: u32, got: u8, answer: &[u8]) -> io::Result<&[u8]> {
    if got != t + 1 {
        return Err(invalid(format_args!(
            "answer of type {got} to a request of type {t}"
        )));
    }
    let (got_id, rest) = split_id(answer)?;
    if got_id != id {
        return Err(invalid(format_args!(
            "answer to request {got_id} for request {id}"
        )));
    }
    Ok(rest)
}

/// Sends our `Hello` and checks the peer's, within [`HANDSHAKE_TIMEOUT`].
async fn handshake(stream: &mut TcpStream, me: Hello) -> io::Result<Hello> {
    let exchange = async {
        write_frame(stream, T_HELLO, &encode(&me)?).await?;
        read_frame(stream, HELLO_MAX).await
    };
    let (t, body) = tokio::time::timeout(HANDSHAKE_TIMEOUT, exchange)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no Hello in time"))??;
    if t != T_HELLO {
        return Err(invalid(format_args!("message type {t} before Hello")));
    }
    let peer: Hello = decode(&body)?;
    if peer.version != VERSION {
        return Err(invalid(format_args!(
            "member {} speaks protocol version {} (only {VERSION})",
            peer.member, peer.version
        )));
    }
    if peer.cluster != me.cluster {
        return Err(invalid(format_args!(
            "member {} is of another group (its member list, VR or distributed addresses differ)",
            peer.member
        )));
    }
    Ok(peer)
}

/// Why an RPC did not get an answer.
#[derive(Debug)]
pub enum CallError {
    /// No connection could be made.
    Connect(io::Error),
    /// The connection failed, or the answer was malformed.
    Io(io::Error),
    /// No answer within the time allowed.
    Timeout,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Connect(e) => write!(f, "cannot connect: {e}"),
            CallError::Io(e) => write!(f, "{e}"),
            CallError::Timeout => f.write_str("no answer in time"),
        }
    }
}

impl std::error::Error for CallError {}

/// Signs of life. `answered`: for each member, the send time of the latest
/// request it answered (the Raft leader's measure of its members'
/// liveness, as openraft measures its quorum's). `appended`: when the
/// latest leader's append (heartbeat or entries) that this member accepted
/// and answered arrived: a follower's contact with the leader that
/// measures its lease. `vote_asked`: when a candidate's vote request last
/// arrived.
#[derive(Debug, Clone, Default)]
pub struct Acks(Arc<Mutex<Contacts>>);

#[derive(Debug, Default)]
struct Contacts {
    answered: HashMap<u64, Instant>,
    appended: Option<Instant>,
    vote_asked: Option<Instant>,
}

impl Acks {
    fn lock(&self) -> std::sync::MutexGuard<'_, Contacts> {
        // A poisoned lock only means another thread panicked while holding
        // it; the data itself is always valid.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records an answer from `member` to a request sent at `sent`.
    fn record(&self, member: u64, sent: Instant) {
        let mut c = self.lock();
        let last = c.answered.entry(member).or_insert(sent);
        if *last < sent {
            *last = sent;
        }
    }

    /// Records that a leader's append, arrived at `at`, was accepted and
    /// answered.
    fn appended(&self, at: Instant) {
        let mut c = self.lock();
        if c.appended.is_none_or(|t| t < at) {
            c.appended = Some(at);
        }
    }

    /// Records that a candidate's vote request arrived now.
    fn vote_asked(&self) {
        self.lock().vote_asked = Some(Instant::now());
    }

    /// When a candidate's vote request last arrived, if ever.
    pub fn last_vote_asked(&self) -> Option<Instant> {
        self.lock().vote_asked
    }

    /// The send time of the latest request `member` answered, if any.
    pub fn last(&self, member: u64) -> Option<Instant> {
        self.lock().answered.get(&member).copied()
    }

    /// When this member last accepted a leader's append, if ever.
    pub fn last_append(&self) -> Option<Instant> {
        self.lock().appended
    }
}

/// What a [`Peer`]'s task ends with: the connection, and the answer (type
/// and body) to the request it sent, if it sent one.
type Done = Result<(TcpStream, Option<(u8, Vec<u8>)>), CallError>;

/// A [`Peer`]'s task, and the request it sent, if it sent one: its type,
/// id and send time.
struct Busy {
    task: JoinHandle<Done>,
    request: Option<(u8, u32, Instant)>,
}

/// A client of one peer: a connection made when needed, one request at a
/// time; the connection is taken out for each request and only put back
/// once its answer arrived, so a failed request closes it. The connection
/// is made, and each request sent and answered, by a task that outlives a
/// call that gave up on it, for as long again as the call had.
pub struct Peer {
    hello: Hello,
    target: u64,
    addr: String,
    conn: Option<TcpStream>,
    /// The task that has the connection, if one has.
    busy: Option<Busy>,
    next_id: u32,
    backoff: Duration,
    acks: Acks,
}

impl Peer {
    /// A client of member `target` at `addr` (host:port), for member
    /// `me` of group `cluster`; openraft waits `backoff` before it tries an
    /// unreachable peer again.
    /// Every answer is recorded in `acks`.
    pub fn new(
        me: u64,
        cluster: u64,
        target: u64,
        addr: String,
        backoff: Duration,
        acks: Acks,
    ) -> Peer {
        Peer {
            hello: Hello {
                version: VERSION,
                member: me,
                cluster,
            },
            target,
            addr,
            conn: None,
            busy: None,
            next_id: 0,
            backoff,
            acks,
        }
    }

    /// The connection, once the task that has it is done (a connection
    /// being made, or a late answer being read), or a new one, whose TCP
    /// connect ends by `deadline`.
    async fn connection(&mut self, deadline: Instant) -> Result<TcpStream, CallError> {
        let mut mine = false;
        loop {
            if let Some(busy) = &mut self.busy {
                // Cancelled here, the task stays in `self.busy`.
                let done = (&mut busy.task).await;
                let request = busy.request;
                self.busy = None;
                match done.map_err(|e| CallError::Connect(io::Error::other(e)))? {
                    Ok((stream, answer)) => match (request, answer) {
                        (None, _) => return Ok(stream),
                        (Some((t, id, sent)), Some((got, answer))) => {
                            // A late answer: the peer's, if it is the one
                            // asked for; else the connection ends.
                            if answer_to(t, id, got, &answer).is_ok() {
                                self.acks.record(self.target, sent);
                                return Ok(stream);
                            }
                        }
                        (Some(_), None) => {}
                    },
                    // This call's own connection failed.
                    Err(e @ CallError::Connect(_)) if mine => return Err(e),
                    // An earlier call's connection, or that of a late
                    // answer, failed: a new one.
                    Err(_) => {}
                }
            } else if let Some(stream) = self.conn.take() {
                return Ok(stream);
            }
            let (addr, hello, target) = (self.addr.clone(), self.hello, self.target);
            mine = true;
            self.busy = Some(Busy {
                task: tokio::spawn(async move {
                    let stream = connect(&addr, hello, target, deadline).await?;
                    Ok((stream, None))
                }),
                request: None,
            });
        }
    }

    /// Sends a request of type `t` and waits at most `ttl` for its answer.
    async fn call<Q: Serialize, A: DeserializeOwned>(
        &mut self,
        t: u8,
        request: &Q,
        ttl: Duration,
    ) -> Result<A, CallError> {
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id;
        let body = encode_with_id(id, request).map_err(CallError::Io)?;
        let sent = Instant::now();
        #[cfg(test)]
        if cuts::is_cut(self.hello.cluster, self.hello.member, self.target) {
            // As on a segment that drops the frames: no answer in time,
            // and the connection is not used again.
            self.conn = None;
            if let Some(busy) = self.busy.take() {
                busy.task.abort();
            }
            tokio::time::sleep(ttl).await;
            return Err(CallError::Timeout);
        }
        let attempt = async {
            // The tasks end by the end of the call's time, and as long
            // again after it.
            let deadline = sent + 2 * ttl;
            let mut stream = self.connection(deadline).await?;
            let busy = self.busy.insert(Busy {
                task: tokio::spawn(async move {
                    let exchange = async {
                        write_frame(&mut stream, t, &body).await?;
                        read_frame(&mut stream, BODY_MAX).await
                    };
                    match tokio::time::timeout_at(deadline, exchange).await {
                        Ok(Ok(answer)) => Ok((stream, Some(answer))),
                        Ok(Err(e)) => Err(CallError::Io(e)),
                        Err(_) => Err(CallError::Timeout),
                    }
                }),
                request: Some((t, id, sent)),
            });
            // Cancelled here, the task stays in `self.busy`.
            let done = (&mut busy.task).await;
            self.busy = None;
            let (stream, answer) = done.map_err(|e| CallError::Io(io::Error::other(e)))??;
            let Some((got, answer)) = answer else {
                return Err(CallError::Io(invalid(format_args!("no answer"))));
            };
            let value = answer_to(t, id, got, &answer)
                .and_then(decode)
                .map_err(CallError::Io)?;
            Ok((stream, value))
        };
        let result = tokio::time::timeout(ttl, attempt).await;
        #[cfg(test)]
        if cuts::answers_lost(self.hello.cluster, self.hello.member, self.target) {
            // As on a segment that drops the answers: the request went,
            // its answer does not come, nor the connection's next one.
            drop(result);
            if let Some(busy) = self.busy.take() {
                busy.task.abort();
            }
            tokio::time::sleep_until(sent + ttl).await;
            return Err(CallError::Timeout);
        }
        match result {
            Ok(Ok((stream, answer))) => {
                self.conn = Some(stream);
                self.acks.record(self.target, sent);
                Ok(answer)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(CallError::Timeout),
        }
    }

    /// Proposes `cmd` to this peer, which must be the leader: the index of
    /// the log entry and what applying it gave.
    pub async fn propose(
        &mut self,
        cmd: &Cmd,
        ttl: Duration,
    ) -> Result<Result<(u64, Reply), ProposeError>, CallError> {
        self.call(T_PROPOSE, cmd, ttl).await
    }

    /// The openraft error for a failed call of kind `action`.
    fn rpc_error<E: std::error::Error>(
        &self,
        e: CallError,
        action: RPCTypes,
        ttl: Duration,
    ) -> RPCError<u64, BasicNode, E> {
        match e {
            // openraft backs off before it tries an unreachable peer again
            CallError::Connect(_) => RPCError::Unreachable(Unreachable::new(&e)),
            // a slow answer (a follower's fsync) is no reason to back off
            CallError::Timeout => RPCError::Timeout(Timeout {
                action,
                id: self.hello.member,
                target: self.target,
                timeout: ttl,
            }),
            CallError::Io(_) => RPCError::Network(NetworkError::new(&e)),
        }
    }
}

impl Peer {
    /// One of openraft's RPCs: a request of type `t` (an `action`) and
    /// the answer of the peer's Raft node, its errors as openraft takes
    /// them.
    async fn raft_rpc<Q, A, E>(
        &mut self,
        t: u8,
        action: RPCTypes,
        rpc: &Q,
        option: RPCOption,
    ) -> Result<A, RPCError<u64, BasicNode, RaftError<u64, E>>>
    where
        Q: Serialize,
        A: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    {
        let ttl = option.hard_ttl();
        let answer: Result<A, RaftError<u64, E>> = self
            .call(t, rpc, ttl)
            .await
            .map_err(|e| self.rpc_error(e, action, ttl))?;
        answer.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

impl RaftNetwork<TypeConfig> for Peer {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.raft_rpc(T_APPEND, RPCTypes::AppendEntries, &rpc, option)
            .await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<u64>,
        RPCError<u64, BasicNode, RaftError<u64, InstallSnapshotError>>,
    > {
        self.raft_rpc(T_SNAPSHOT, RPCTypes::InstallSnapshot, &rpc, option)
            .await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.raft_rpc(T_VOTE, RPCTypes::Vote, &rpc, option).await
    }

    fn backoff(&self) -> Backoff {
        Backoff::new(std::iter::repeat(self.backoff))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(busy) = &self.busy {
            busy.task.abort();
        }
    }
}

/// A connection to member `target` at `addr`, handshake done: TCP's
/// connect by `deadline`, then the handshake within [`HANDSHAKE_TIMEOUT`].
async fn connect(
    addr: &str,
    hello: Hello,
    target: u64,
    deadline: Instant,
) -> Result<TcpStream, CallError> {
    let mut stream = tokio::time::timeout_at(deadline, TcpStream::connect(addr))
        .await
        .map_err(|_| {
            CallError::Connect(io::Error::new(
                io::ErrorKind::TimedOut,
                "no connection in time",
            ))
        })?
        .map_err(CallError::Connect)?;
    stream.set_nodelay(true).map_err(CallError::Connect)?;
    let peer = handshake(&mut stream, hello)
        .await
        .map_err(CallError::Connect)?;
    if peer.member != target {
        return Err(CallError::Connect(invalid(format_args!(
            "{addr} is member {}, not {target}",
            peer.member
        ))));
    }
    Ok(stream)
}

/// Makes a [`Peer`] for each target openraft replicates to.
#[derive(Debug, Clone)]
pub struct Network {
    /// This member.
    pub me: u64,
    /// The group's id ([`Hello::cluster`]).
    pub cluster: u64,
    /// How long openraft waits before it tries an unreachable peer again
    /// (a heartbeat interval: well below the election timeout).
    pub backoff: Duration,
    /// Where the peers' answers are recorded.
    pub acks: Acks,
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = Peer;

    async fn new_client(&mut self, target: u64, node: &BasicNode) -> Peer {
        Peer::new(
            self.me,
            self.cluster,
            target,
            node.addr.clone(),
            self.backoff,
            self.acks.clone(),
        )
    }
}

/// `result`, unless the Raft node stopped: then the connection ends
/// unanswered (an answer would count as a sign of life).
fn alive<T, E>(result: Result<T, RaftError<u64, E>>) -> io::Result<Result<T, RaftError<u64, E>>> {
    match result {
        Err(RaftError::Fatal(e)) => Err(io::Error::other(format!("the Raft node stopped: {e}"))),
        other => Ok(other),
    }
}

/// Answers the requests of one connection until it fails or ends.
async fn serve_connection(
    mut stream: TcpStream,
    raft: Raft<TypeConfig>,
    hello: Hello,
    acks: Acks,
) -> io::Result<()> {
    stream.set_nodelay(true)?;
    handshake(&mut stream, hello).await?;
    loop {
        let (t, body) = match read_frame(&mut stream, BODY_MAX).await {
            Ok(frame) => frame,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        };
        let arrived = Instant::now();
        let mut accepted = false;
        let answer = match t {
            T_APPEND => {
                let (id, rpc) = decode_with_id(&body)?;
                let result = alive(raft.append_entries(rpc).await)?;
                // From the leader of this member's term (a stale one is
                // answered HigherVote).
                accepted = matches!(
                    result,
                    Ok(AppendEntriesResponse::Success
                        | AppendEntriesResponse::PartialSuccess(_)
                        | AppendEntriesResponse::Conflict)
                );
                encode_with_id(id, &result)?
            }
            T_VOTE => {
                acks.vote_asked();
                let (id, rpc) = decode_with_id(&body)?;
                encode_with_id(id, &alive(raft.vote(rpc).await)?)?
            }
            T_SNAPSHOT => {
                let (id, rpc) = decode_with_id(&body)?;
                encode_with_id(id, &alive(raft.install_snapshot(rpc).await)?)?
            }
            T_PROPOSE => {
                let (id, cmd): (u32, Cmd) = decode_with_id(&body)?;
                // A leader without a quorum waits for ever: the slot
                // is freed after the longest a kernel waits for a claim.
                let result =
                    match tokio::time::timeout(PROPOSE_TIMEOUT, raft.client_write(cmd)).await {
                        Err(_) => Err(ProposeError::Failed("not applied in time".into())),
                        Ok(Ok(written)) => Ok((written.log_id.index, written.data)),
                        Ok(Err(RaftError::APIError(ClientWriteError::ForwardToLeader(to)))) => {
                            Err(ProposeError::NotLeader {
                                leader: to.leader_id,
                            })
                        }
                        Ok(Err(e)) => Err(ProposeError::Failed(e.to_string())),
                    };
                encode_with_id(id, &result)?
            }
            _ => return Err(invalid(format_args!("unknown message type {t}"))),
        };
        write_frame(&mut stream, t + 1, &answer).await?;
        if accepted {
            acks.appended(arrived);
        }
    }
}

/// Accepts the connections of the peers on `listener` and answers their
/// requests with `raft`, as member `me` of group `cluster`, until the task
/// is dropped: at most [`MAX_CONNECTIONS`] at once (the others are closed
/// at once). A connection that fails is logged and closed. Every append
/// accepted is recorded in `acks`.
pub async fn serve(
    listener: TcpListener,
    raft: Raft<TypeConfig>,
    me: u64,
    cluster: u64,
    acks: Acks,
) {
    let hello = Hello {
        version: VERSION,
        member: me,
        cluster,
    };
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    // The connections end with the server: a daemon that stops serving
    // answers nothing more.
    let mut conns = JoinSet::new();
    loop {
        while conns.try_join_next().is_some() {}
        let (stream, from) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("vr-dhostd: accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            eprintln!("vr-dhostd: connection from {from} refused: {MAX_CONNECTIONS} already");
            continue;
        };
        let (raft, acks) = (raft.clone(), acks.clone());
        conns.spawn(async move {
            if let Err(e) = serve_connection(stream, raft, hello, acks).await {
                eprintln!("vr-dhostd: connection from {from}: {e}");
            }
            drop(slot);
        });
    }
}

/// Network partitions for the tests: the calls between two members of a
/// group go unanswered while the pair is cut; or only the answers of one
/// way are lost.
#[cfg(test)]
pub mod cuts {
    use std::collections::HashSet;
    use std::sync::Mutex;

    static CUTS: Mutex<Vec<(u64, u64, u64)>> = Mutex::new(Vec::new());

    static LOST: Mutex<Vec<(u64, u64, u64)>> = Mutex::new(Vec::new());

    fn cuts() -> std::sync::MutexGuard<'static, Vec<(u64, u64, u64)>> {
        CUTS.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lost() -> std::sync::MutexGuard<'static, Vec<(u64, u64, u64)>> {
        LOST.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Cuts every member of `a` from every member of `b`, both ways, in
    /// the group `cluster`.
    pub fn cut(cluster: u64, a: &[u64], b: &[u64]) {
        let mut c = cuts();
        for &x in a {
            for &y in b {
                c.push((cluster, x, y));
                c.push((cluster, y, x));
            }
        }
    }

    /// Loses the answers to the calls from `from` to `to` in the group
    /// `cluster`: the requests arrive, the caller times out.
    pub fn lose_answers(cluster: u64, from: u64, to: u64) {
        lost().push((cluster, from, to));
    }

    /// Removes every cut of the group `cluster`, and its lost answers.
    pub fn heal(cluster: u64) {
        cuts().retain(|&(c, _, _)| c != cluster);
        lost().retain(|&(c, _, _)| c != cluster);
    }

    /// Whether the answers to the calls from `from` to `to` in `cluster`
    /// are lost.
    pub fn answers_lost(cluster: u64, from: u64, to: u64) -> bool {
        lost().contains(&(cluster, from, to))
    }

    /// Whether calls from `from` to `to` in `cluster` are cut.
    pub fn is_cut(cluster: u64, from: u64, to: u64) -> bool {
        let set: HashSet<_> = cuts().iter().copied().collect();
        set.contains(&(cluster, from, to))
    }
}
