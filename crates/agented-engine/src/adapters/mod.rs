//! One adapter per agent CLI behind one trait.
