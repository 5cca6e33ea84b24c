//! The one list of operation kinds and their contract names (issue 12 §4): the wasm facades'
//! promise-returning methods, the link codec's operation codes, the history's and session
//! document's `op`, and the checker's read-only test all come from here.

/// What an operation does, without its arguments (an [`super::Op`] has both).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    Get,
    Put,
    Delete,
    Increment,
    Read,
    Write,
    AcquireLock,
    ReleaseLock,
    AcquireLease,
    Change,
    /// A garbage collection (§3.1, [`crate::sim::gc`]): a history operation of `gc()`, not a
    /// register operation of its own (no `Op`, no link code: `gc` is an action of its own).
    Gc,
}

impl OpKind {
    /// Every kind. Its order up to `Change` is the share link's operation codes (append only: a
    /// code, once given, keeps its meaning); `change` is never recorded (its function is not
    /// data), so it has no code.
    pub const ALL: [OpKind; 11] = [
        OpKind::Get,
        OpKind::Put,
        OpKind::Delete,
        OpKind::Increment,
        OpKind::Read,
        OpKind::Write,
        OpKind::AcquireLock,
        OpKind::ReleaseLock,
        OpKind::AcquireLease,
        OpKind::Change,
        OpKind::Gc,
    ];

    /// The contract's name: the JS method and the history's `op`.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Get => "get",
            OpKind::Put => "put",
            OpKind::Delete => "delete",
            OpKind::Increment => "increment",
            OpKind::Read => "read",
            OpKind::Write => "write",
            OpKind::AcquireLock => "acquireLock",
            OpKind::ReleaseLock => "releaseLock",
            OpKind::AcquireLease => "acquireLease",
            OpKind::Change => "change",
            OpKind::Gc => "gc",
        }
    }

    /// The kind named `name`, if any.
    pub fn parse(name: &str) -> Option<OpKind> {
        OpKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Its share-link code; `None` for `change` (never recorded) and `gc` (an action of its own).
    pub fn link_code(self) -> Option<u8> {
        let code = OpKind::ALL.iter().position(|&k| k == self)?;
        self.is_register_op().then_some(code as u8)
    }

    /// The kind of a share-link code.
    pub fn of_link_code(code: u8) -> Option<OpKind> {
        OpKind::ALL.get(code as usize).copied().filter(|k| k.is_register_op())
    }

    /// A kind a recorded `Invoke` can name: not `change` (code) and not `gc` (its own action).
    fn is_register_op(self) -> bool {
        !matches!(self, OpKind::Change | OpKind::Gc)
    }

    /// True for the kinds that never change the register.
    pub fn is_read_only(self) -> bool {
        matches!(self, OpKind::Get | OpKind::Read)
    }

    /// True for the lock operations, whose register key is `lock:` + the lock name.
    pub fn is_lock(self) -> bool {
        matches!(self, OpKind::AcquireLock | OpKind::AcquireLease | OpKind::ReleaseLock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_are_unique() {
        for k in OpKind::ALL {
            assert_eq!(OpKind::parse(k.name()), Some(k));
        }
        let mut names: Vec<_> = OpKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OpKind::ALL.len());
        // Negative controls: a near miss and another case are no kind.
        assert_eq!(OpKind::parse("Increment"), None);
        assert_eq!(OpKind::parse("acquire_lock"), None);
    }

    /// Links made before the kinds were typed keep their meaning: these are the codes they used.
    #[test]
    fn link_codes_are_the_ones_links_already_use() {
        let codes =
            ["get", "put", "delete", "increment", "read", "write", "acquireLock", "releaseLock", "acquireLease"];
        for (code, name) in codes.iter().enumerate() {
            let kind = OpKind::of_link_code(code as u8).unwrap();
            assert_eq!((kind.name(), kind.link_code()), (*name, Some(code as u8)));
        }
        assert_eq!(OpKind::Change.link_code(), None, "change is never recorded");
        assert_eq!(OpKind::of_link_code(9), None);
        assert_eq!(OpKind::of_link_code(255), None);
    }
}
