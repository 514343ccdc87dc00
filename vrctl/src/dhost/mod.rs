// SPDX-License-Identifier: GPL-2.0-only
//! Distributed IP host: several members (kernels on separate machines on
//! one L2 segment) serve one IPv4 address together. Each bound TCP/UDP port
//! and each connection of such an address is owned by exactly one member.
//! For each address one member is the lead: the single authority that
//! grants or refuses the claims of the members and publishes every change
//! with a sequence number. There is no consensus protocol.
//!
//! The pure logic, without I/O or clocks:
//! - [`db`]: the ownership database (the lead's authority and the members'
//!   replicas), with the conflict, lease and ephemeral-port rules;
//! - [`proto`]: the framed wire format between the members' daemons and
//!   the lead.
//!
//! And its I/O:
//! - [`daemon`]: the ownership-sync daemon (tokio), which talks to the
//!   other members' daemons over TCP and to its kernel through channels;
//! - [`kernel`]: the other ends of those channels, generic netlink to the
//!   kernel (`vrctl dhost daemon`), around its pure claim bookkeeping.

pub mod daemon;
// The whole of the pure database is tested; the daemon uses a part of it
// (e.g. per-packet lookups are the kernel's, liveness is per link).
#[cfg_attr(not(test), allow(dead_code))]
pub mod db;
pub mod kernel;
pub mod proto;
