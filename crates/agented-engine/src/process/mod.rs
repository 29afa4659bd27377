//! Process supervision: process groups, line readers, stop/pause/resume.
