// SPDX-License-Identifier: GPL-2.0-only

//! The VRs of one network namespace: pure bookkeeping, no kernel state.

use kernel::{net::fib::TABLE_MAIN as RT_TABLE_MAIN, prelude::*, uapi::VR_TABLE_BASE};

/// Longest VR name, in bytes (`VR_NAME_MAX_LEN` of the uapi, without the NUL).
const VR_NAME_MAX_LEN: usize = kernel::uapi::VR_NAME_MAX_LEN as usize;

/// Why a change to the registry is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Exists,
    NameInUse,
    BadName,
    DefaultVr,
    NotFound,
    NoMemory,
}

impl Refusal {
    /// The errno reported to user space.
    pub(crate) fn error(self) -> Error {
        match self {
            Refusal::Exists | Refusal::NameInUse => EEXIST,
            Refusal::BadName | Refusal::DefaultVr => EINVAL,
            Refusal::NotFound => ENOENT,
            Refusal::NoMemory => ENOMEM,
        }
    }

    /// The extended-ack message reported to user space.
    pub(crate) fn message(self) -> &'static CStr {
        match self {
            Refusal::Exists => c"VR already exists",
            Refusal::NameInUse => c"VR name already in use",
            Refusal::BadName => c"invalid VR name",
            Refusal::DefaultVr => c"the default VR cannot be deleted",
            Refusal::NotFound => c"VR does not exist",
            Refusal::NoMemory => c"out of memory",
        }
    }
}

/// The FIB table of VR `id`: the main table for VR 0, `VR_TABLE_BASE + id` otherwise.
pub(crate) fn table_of(id: u16) -> u32 {
    if id == 0 {
        RT_TABLE_MAIN
    } else {
        VR_TABLE_BASE + u32::from(id)
    }
}

/// A VR name: 1 to `VR_NAME_MAX_LEN` letters, digits, `-`, `_` or `.`.
pub(crate) fn valid_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= VR_NAME_MAX_LEN
        && name
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.')
}

/// One virtual router.
pub(crate) struct Vr {
    pub(crate) id: u16,
    pub(crate) table: u32,
    /// NUL-terminated; empty when the VR has no name.
    name: [u8; VR_NAME_MAX_LEN + 1],
}

impl Vr {
    fn new(id: u16, name: Option<&[u8]>) -> Result<Self, Refusal> {
        let mut buf = [0u8; VR_NAME_MAX_LEN + 1];
        if let Some(name) = name {
            if !valid_name(name) {
                return Err(Refusal::BadName);
            }
            buf[..name.len()].copy_from_slice(name);
        }
        Ok(Self {
            id,
            table: table_of(id),
            name: buf,
        })
    }

    /// The name, if the VR has one.
    pub(crate) fn name(&self) -> Option<&CStr> {
        match CStr::from_bytes_until_nul(&self.name) {
            Ok(name) if !name.is_empty() => Some(name),
            _ => None,
        }
    }
}

/// The VRs of a network namespace, sorted by id. VR 0 ("default") is always there.
pub(crate) struct Registry {
    vrs: KVec<Vr>,
}

/// Where [`Registry::prepare`] found room for a new VR; consumed by [`Registry::insert`].
pub(crate) struct Slot {
    index: usize,
    vr: Vr,
}

impl Slot {
    pub(crate) fn table(&self) -> u32 {
        self.vr.table
    }
}

impl Registry {
    pub(crate) fn new() -> Result<Self> {
        let mut vrs = KVec::new();
        vrs.push(
            Vr::new(0, Some(b"default")).map_err(|r| r.error())?,
            GFP_KERNEL_ACCOUNT,
        )?;
        Ok(Self { vrs })
    }

    /// The number of VRs besides VR 0.
    pub(crate) fn count(&self) -> usize {
        self.vrs.len().saturating_sub(1)
    }

    /// The index of VR `id` (`Ok`), or where it would go (`Err`): the VRs are sorted by id.
    fn search(&self, id: u16) -> core::result::Result<usize, usize> {
        self.vrs.binary_search_by_key(&id, |vr| vr.id)
    }

    pub(crate) fn find(&self, id: u16) -> Option<&Vr> {
        self.search(id).ok().and_then(|i| self.vrs.get(i))
    }

    /// VRs with an id of at least `from`, in order (for resumable dumps).
    pub(crate) fn iter_from(&self, from: u32) -> impl Iterator<Item = &Vr> {
        let start = self.vrs.partition_point(|vr| u32::from(vr.id) < from);
        self.vrs.get(start..).unwrap_or(&[]).iter()
    }

    /// Checks that VR `id` named `name` can be created and reserves memory for it, so that
    /// [`Registry::insert`] cannot fail: nothing is changed yet.
    pub(crate) fn prepare(&mut self, id: u16, name: Option<&[u8]>) -> Result<Slot, Refusal> {
        let vr = Vr::new(id, name)?;
        let Err(index) = self.search(id) else {
            return Err(Refusal::Exists);
        };
        if let Some(name) = vr.name() {
            if self.vrs.iter().any(|v| v.name() == Some(name)) {
                return Err(Refusal::NameInUse);
            }
        }
        self.vrs
            .reserve(1, GFP_KERNEL_ACCOUNT)
            .map_err(|_| Refusal::NoMemory)?;
        Ok(Slot { index, vr })
    }

    /// Adds the VR of a [`Slot`] from [`Registry::prepare`] (with no change in between, the
    /// room reserved there makes this infallible).
    pub(crate) fn insert(&mut self, slot: Slot) -> Result<&Vr, Refusal> {
        let index = slot.index.min(self.vrs.len());
        self.vrs
            .insert_within_capacity(index, slot.vr)
            .map_err(|_| Refusal::NoMemory)?;
        self.vrs.get(index).ok_or(Refusal::NoMemory)
    }

    /// Checks that VR `id` may be removed (its interfaces are checked by the caller).
    pub(crate) fn check_remove(&self, id: u16) -> Result<&Vr, Refusal> {
        if id == 0 {
            return Err(Refusal::DefaultVr);
        }
        self.find(id).ok_or(Refusal::NotFound)
    }

    pub(crate) fn remove(&mut self, id: u16) -> Result<Vr, Refusal> {
        self.check_remove(id)?;
        let index = self.search(id).map_err(|_| Refusal::NotFound)?;
        self.vrs.remove(index).map_err(|_| Refusal::NotFound)
    }
}

#[cfg(CONFIG_VR_KUNIT_TEST)]
#[kunit_tests(vr_registry)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        assert_eq!(table_of(0), 254);
        assert_eq!(table_of(1), 0x10001);
        assert_eq!(table_of(65535), 0x1ffff);
    }

    #[test]
    fn names() {
        assert!(valid_name(b"red"));
        assert!(valid_name(b"vr-1_a.b"));
        assert!(valid_name(&[b'x'; 31]));
        assert!(!valid_name(&[b'x'; 32]));
        assert!(!valid_name(b""));
        assert!(!valid_name(b"has space"));
        assert!(!valid_name(b"slash/"));
        assert!(!valid_name(b"caf\xc3\xa9"));
    }

    #[test]
    fn default_vr() -> Result {
        let reg = Registry::new()?;
        let vr = reg.find(0).ok_or(ENOENT)?;
        assert_eq!(vr.table, 254);
        assert_eq!(vr.name(), Some(c"default"));
        assert_eq!(reg.check_remove(0).err(), Some(Refusal::DefaultVr));
        Ok(())
    }

    #[test]
    fn create_and_refusals() -> Result {
        let mut reg = Registry::new()?;
        let slot = reg.prepare(7, Some(b"red")).map_err(|r| r.error())?;
        assert_eq!(slot.table(), 0x10007);
        reg.insert(slot).map_err(|r| r.error())?;
        assert_eq!(reg.prepare(7, None).err(), Some(Refusal::Exists));
        assert_eq!(reg.prepare(0, None).err(), Some(Refusal::Exists));
        assert_eq!(reg.prepare(8, Some(b"red")).err(), Some(Refusal::NameInUse));
        assert_eq!(
            reg.prepare(8, Some(b"default")).err(),
            Some(Refusal::NameInUse)
        );
        assert_eq!(
            reg.prepare(8, Some(b"bad name")).err(),
            Some(Refusal::BadName)
        );
        assert_eq!(reg.prepare(8, Some(b"")).err(), Some(Refusal::BadName));
        // Unnamed VRs do not collide with each other.
        let slot = reg.prepare(9, None).map_err(|r| r.error())?;
        reg.insert(slot).map_err(|r| r.error())?;
        let slot = reg.prepare(8, None).map_err(|r| r.error())?;
        reg.insert(slot).map_err(|r| r.error())?;
        assert!(reg.find(9).ok_or(ENOENT)?.name().is_none());
        Ok(())
    }

    #[test]
    fn sorted_and_resumable() -> Result {
        let mut reg = Registry::new()?;
        for id in [30u16, 10, 20] {
            let slot = reg.prepare(id, None).map_err(|r| r.error())?;
            reg.insert(slot).map_err(|r| r.error())?;
        }
        let mut ids = KVec::new();
        for vr in reg.iter_from(0) {
            ids.push(vr.id, GFP_KERNEL)?;
        }
        assert_eq!(&ids[..], &[0, 10, 20, 30]);
        let mut from15 = reg.iter_from(15).map(|vr| vr.id);
        assert_eq!(from15.next(), Some(20));
        assert_eq!(from15.next(), Some(30));
        assert_eq!(from15.next(), None);
        Ok(())
    }

    #[test]
    fn remove() -> Result {
        let mut reg = Registry::new()?;
        let slot = reg.prepare(5, Some(b"blue")).map_err(|r| r.error())?;
        reg.insert(slot).map_err(|r| r.error())?;
        assert_eq!(reg.remove(6).err(), Some(Refusal::NotFound));
        assert_eq!(reg.remove(0).err(), Some(Refusal::DefaultVr));
        assert_eq!(reg.remove(5).map(|vr| vr.id).ok(), Some(5));
        assert!(reg.find(5).is_none());
        // The name is free again.
        assert!(reg.prepare(6, Some(b"blue")).is_ok());
        Ok(())
    }

    #[test]
    fn errnos() {
        assert_eq!(Refusal::Exists.error(), EEXIST);
        assert_eq!(Refusal::NameInUse.error(), EEXIST);
        assert_eq!(Refusal::NotFound.error(), ENOENT);
        assert_eq!(Refusal::DefaultVr.error(), EINVAL);
        assert_eq!(Refusal::BadName.error(), EINVAL);
    }
}
