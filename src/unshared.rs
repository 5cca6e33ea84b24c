//! `Rc::make_mut` with its common case inlined.

use std::rc::Rc;

/// The value of `rc` to change, copied first if another `Rc` shares it (a checkpoint's copy of
/// a runtime slot or a history record), as [`Rc::make_mut`] does. That function is not inlined
/// (the copy is inside it): on the workload of record it was a call of 24 instructions, 14 times
/// an increment, for what is almost always an `Rc` nobody shares: here that case is two
/// compares, and the copy a cold call.
#[inline]
pub fn unshared<T: Clone>(rc: &mut Rc<T>) -> &mut T {
    if Rc::get_mut(rc).is_none() {
        copy_out(rc);
    }
    Rc::get_mut(rc).expect("an Rc made its own is not shared")
}

#[cold]
#[inline(never)]
fn copy_out<T: Clone>(rc: &mut Rc<T>) {
    Rc::make_mut(rc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_value_is_copied_and_an_unshared_one_changed_in_place() {
        let mut rc = Rc::new(vec![1]);
        let place = Rc::as_ptr(&rc);
        unshared(&mut rc).push(2);
        assert_eq!(Rc::as_ptr(&rc), place, "not shared: changed where it is");
        let copy = rc.clone();
        unshared(&mut rc).push(3);
        assert_eq!(*rc, [1, 2, 3]);
        // Control: the copy that shared it keeps what it was, in its own allocation.
        assert_eq!(*copy, [1, 2]);
        assert_ne!(Rc::as_ptr(&rc), Rc::as_ptr(&copy), "shared: copied before the change");
        let weak = Rc::downgrade(&rc);
        unshared(&mut rc).push(4);
        assert!(weak.upgrade().is_none(), "a weak reference does not see the change (as with make_mut)");
    }
}
