// SPDX-License-Identifier: GPL-2.0-only
//! One TCP connection between a member's daemon and the lead, run as a
//! task that turns the stream into channel messages: the frames it reads
//! go to the daemon's main loop tagged with the link's id, the frames the
//! main loop queues are written in order. The task also sends the
//! heartbeats and watches the other side's silence, so a busy main loop
//! neither delays a heartbeat nor is taken for a dead peer.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{self, Instant, MissedTickBehavior};

use crate::db::MemberId;
use crate::proto::{self, DecodeError, Message};

/// An encoded message, shared by all the links it is sent on.
pub(super) type Frame = Arc<[u8]>;

/// The frames a link queues. When a member's queue at the lead is full,
/// the member does not keep up with the updates and the lead drops its
/// link (the member then resyncs); a member's daemon keeps what does not
/// fit in a backlog of its own.
pub(super) const OUT_QUEUE: usize = 1 << 16;

/// The events of all links that the main loop has not taken yet.
pub(super) const EVENT_QUEUE: usize = 1024;

/// The longest frame a member sends (a `Hello` with the longest name): the
/// lead's read buffer for a link stays below this plus one read.
pub(super) const MEMBER_FRAME_MAX: usize = proto::HEADER_LEN + 1 + 4 + 1 + proto::NAME_MAX;

/// The longest frame the lead sends (a `Snapshot`).
pub(super) const LEAD_FRAME_MAX: usize = proto::HEADER_LEN + proto::BODY_MAX as usize;

/// How much a read asks for at least.
const READ_CHUNK: usize = 16 << 10;

/// Encodes `msg`.
pub(super) fn frame(msg: &Message) -> io::Result<Frame> {
    msg.encode()
        .map(Frame::from)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

/// Reads messages from a stream of frames.
pub(super) struct FrameReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Where the next frame starts in `buf`.
    start: usize,
    /// The longest frame accepted.
    max_frame: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub(super) fn new(inner: R, max_frame: usize) -> FrameReader<R> {
        FrameReader {
            inner,
            buf: Vec::new(),
            start: 0,
            max_frame,
        }
    }

    /// The next message; None at the end of the stream between two
    /// frames. An error (`InvalidData` for a frame the decoder rejects or
    /// longer than the limit, `UnexpectedEof` for a stream that ends inside
    /// a frame) ends the stream. Cancel-safe: bytes read stay buffered.
    pub(super) async fn next(&mut self) -> io::Result<Option<Message>> {
        loop {
            let pending = self.buf.get(self.start..).unwrap_or_default();
            let too_long = || {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("frame longer than {} bytes", self.max_frame),
                )
            };
            match proto::decode(pending) {
                Ok((_, len)) if len > self.max_frame => return Err(too_long()),
                Ok((msg, len)) => {
                    self.start += len;
                    return Ok(Some(msg));
                }
                Err(DecodeError::Incomplete) if pending.len() > self.max_frame => {
                    return Err(too_long());
                }
                Err(DecodeError::Incomplete) => {}
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
            self.buf.drain(..self.start);
            self.start = 0;
            self.buf.reserve(READ_CHUNK);
            if self.inner.read_buf(&mut self.buf).await? == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed inside a frame",
                ));
            }
        }
    }
}

/// What a link tells the main loop.
#[derive(Debug)]
pub(super) enum LinkEvent {
    /// A frame from the other side.
    Msg(Message),
    /// The link is gone, for this reason; nothing follows.
    Closed(String),
}

/// A link's settings.
#[derive(Debug, Clone, Copy)]
pub(super) struct LinkParams {
    /// The member id this side sends in its heartbeats.
    pub(super) me: MemberId,
    pub(super) heartbeat: Duration,
    /// The silence after which the link is dropped (and the longest a
    /// write may take).
    pub(super) lease: Duration,
    /// The longest frame accepted from the other side.
    pub(super) max_frame: usize,
}

/// Serves `stream` as link `id` until the stream fails or the other side
/// is silent for the lease (then [`LinkEvent::Closed`]), or until the main
/// loop closes `out` (then the link writes what was queued and closes the
/// connection, without an event).
pub(super) async fn run(
    stream: TcpStream,
    id: u64,
    params: LinkParams,
    mut out: mpsc::Receiver<Frame>,
    events: mpsc::Sender<(u64, LinkEvent)>,
) {
    // Frames are small and latency matters more than packet count.
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    if let Some(reason) = serve(rd, wr, id, params, &mut out, &events).await {
        let _ = events.send((id, LinkEvent::Closed(reason))).await;
    }
}

/// The loop of [`run`]; the reason the link failed, None if the main loop
/// closed it.
async fn serve(
    rd: impl AsyncRead + Unpin,
    mut wr: impl AsyncWrite + Unpin,
    id: u64,
    params: LinkParams,
    out: &mut mpsc::Receiver<Frame>,
    events: &mpsc::Sender<(u64, LinkEvent)>,
) -> Option<String> {
    let mut reader = FrameReader::new(rd, params.max_frame);
    let heartbeat = match frame(&Message::Heartbeat { member: params.me }) {
        Ok(f) => f,
        Err(e) => return Some(e.to_string()),
    };
    let mut ticks = time::interval_at(Instant::now() + params.heartbeat, params.heartbeat);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let silence = time::sleep(params.lease);
    tokio::pin!(silence);
    loop {
        // Biased, the silence last: a peer whose frames are already
        // buffered is not silent, however late this task runs.
        tokio::select! {
            biased;
            f = out.recv() => match f {
                Some(f) => {
                    if let Err(e) = write(&mut wr, &f, params.lease).await {
                        return Some(format!("cannot send: {e}"));
                    }
                }
                None => {
                    let _ = time::timeout(params.lease, wr.shutdown()).await;
                    return None;
                }
            },
            msg = reader.next() => match msg {
                Ok(Some(msg)) => {
                    silence.as_mut().reset(Instant::now() + params.lease);
                    if events.send((id, LinkEvent::Msg(msg))).await.is_err() {
                        // The main loop is gone.
                        return None;
                    }
                }
                Ok(None) => return Some("connection closed by the other side".into()),
                Err(e) => return Some(e.to_string()),
            },
            _ = ticks.tick() => {
                if let Err(e) = write(&mut wr, &heartbeat, params.lease).await {
                    return Some(format!("cannot send: {e}"));
                }
            }
            () = &mut silence => {
                return Some(format!("nothing received for {} ms", params.lease.as_millis()));
            }
        }
    }
}

/// Writes `frame`, in at most `limit`.
async fn write(
    wr: &mut (impl AsyncWrite + Unpin),
    frame: &[u8],
    limit: Duration,
) -> io::Result<()> {
    time::timeout(limit, wr.write_all(frame))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the other side does not read"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Key, Proto};
    use std::net::Ipv4Addr;

    fn claim(req_id: u32) -> Message {
        Message::Claim {
            req_id,
            key: Key::bound(Ipv4Addr::new(10, 0, 0, 1), Proto::Tcp, 80),
        }
    }

    #[tokio::test]
    async fn reader_splits_and_joins_frames() {
        let msgs = [claim(1), Message::SnapshotRequest, claim(2)];
        let mut bytes = Vec::new();
        for m in &msgs {
            bytes.extend(m.encode().expect("encodable"));
        }
        // One byte per read: every frame arrives in pieces.
        let (mut tx, rx) = tokio::io::duplex(1);
        let writer = tokio::spawn(async move { tx.write_all(&bytes).await });
        let mut r = FrameReader::new(rx, MEMBER_FRAME_MAX);
        for m in msgs {
            assert_eq!(r.next().await.expect("valid"), Some(m));
        }
        writer.await.expect("joined").expect("written");
        assert_eq!(r.next().await.expect("clean end"), None);
    }

    #[tokio::test]
    async fn reader_errors() {
        let frame = claim(1).encode().expect("encodable");
        let cut = &frame[..frame.len() - 1];
        let mut r = FrameReader::new(cut, MEMBER_FRAME_MAX);
        let e = r.next().await.expect_err("cut");
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let mut r = FrameReader::new(&b"GET / HTTP/1.0\r\n"[..], MEMBER_FRAME_MAX);
        let e = r.next().await.expect_err("not a frame");
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("bad magic"), "{e}");
        // A version 1 daemon's Hello: the reason the link is dropped says
        // which versions.
        let v1_hello = [b'V', b'R', b'D', b'H', 1, 1, 0, 0, 0, 6, 1, 0, 0, 0, 2, 0];
        let mut r = FrameReader::new(&v1_hello[..], MEMBER_FRAME_MAX);
        let e = r.next().await.expect_err("version 1");
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            e.to_string(),
            "protocol version 1 is not supported (only 2)"
        );
        // A snapshot is valid, but too long for this side, whole or not.
        let snap = Message::Snapshot(crate::db::Snapshot {
            seq: 1,
            entries: vec![
                (
                    Key::bound(Ipv4Addr::new(10, 0, 0, 1), Proto::Tcp, 80),
                    MemberId(1)
                );
                40
            ],
        })
        .encode()
        .expect("encodable");
        for len in [snap.len(), MEMBER_FRAME_MAX + 1] {
            let mut r = FrameReader::new(&snap[..len], MEMBER_FRAME_MAX);
            let e = r.next().await.expect_err("too long");
            assert_eq!(e.to_string(), "frame longer than 271 bytes");
        }
        let mut r = FrameReader::new(&snap[..], LEAD_FRAME_MAX);
        assert!(matches!(r.next().await, Ok(Some(Message::Snapshot(_)))));
    }
}
