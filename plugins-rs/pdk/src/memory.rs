//! Host-owned memory blocks.
//!
//! Every byte that crosses the ABI goes through a block. The host only moves 8
//! or 1 bytes per call, so the copy loops below do the bulk in u64 words.

use crate::env;

/// A block the host allocated. Dropping it does not free it: outputs and
/// errors must outlive the export call, so freeing is always explicit.
pub struct Block {
    handle: u64,
    len: u64,
}

impl Block {
    /// Copies `data` into a new host block.
    pub fn from_bytes(data: &[u8]) -> Block {
        let len = data.len() as u64;
        let handle = unsafe { env::alloc(len) };
        let mut chunks = data.chunks_exact(8);
        let mut at = handle;
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            unsafe { env::store_u64(at, u64::from_le_bytes(word)) };
            at += 8;
        }
        for byte in chunks.remainder() {
            unsafe { env::store_u8(at, *byte) };
            at += 1;
        }
        Block { handle, len }
    }

    /// Wraps a handle the host returned; `None` for the null handle.
    pub fn from_handle(handle: u64) -> Option<Block> {
        if handle == 0 {
            return None;
        }
        let len = unsafe { env::length(handle) };
        Some(Block { handle, len })
    }

    pub fn handle(&self) -> u64 {
        self.handle
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies the block's bytes into guest memory.
    pub fn to_vec(&self) -> Vec<u8> {
        read_words(self.len as usize, |i| unsafe { env::load_u64(self.handle + i) }, |i| unsafe {
            env::load_u8(self.handle + i)
        })
    }

    pub fn free(self) {
        unsafe { env::free(self.handle) }
    }
}

/// Shared by block and input reads: whole words first, then the tail bytes.
pub(crate) fn read_words(len: usize, word: impl Fn(u64) -> u64, byte: impl Fn(u64) -> u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let words = len / 8;
    for i in 0..words {
        out.extend_from_slice(&word((i * 8) as u64).to_le_bytes());
    }
    for i in words * 8..len {
        out.push(byte(i as u64));
    }
    out
}
