//! Logging through the host's logger (not MCP notifications: see `host`).

use crate::env;
use crate::memory::Block;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

/// Whether the host would keep a message at `level`; lets callers skip
/// formatting work the host would drop anyway.
pub fn enabled(level: Level) -> bool {
    (level as i32) >= unsafe { env::get_log_level() }
}

pub fn log(level: Level, message: &str) {
    if !enabled(level) {
        return;
    }
    let block = Block::from_bytes(message.as_bytes());
    let h = block.handle();
    unsafe {
        match level {
            Level::Trace => env::log_trace(h),
            Level::Debug => env::log_debug(h),
            Level::Info => env::log_info(h),
            Level::Warn => env::log_warn(h),
            Level::Error => env::log_error(h),
        }
    }
    block.free();
}

pub fn debug(message: &str) {
    log(Level::Debug, message)
}
pub fn info(message: &str) {
    log(Level::Info, message)
}
pub fn warn(message: &str) {
    log(Level::Warn, message)
}
pub fn error(message: &str) {
    log(Level::Error, message)
}
