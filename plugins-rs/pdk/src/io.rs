//! Call input, output and the Extism error channel.

use crate::memory::{read_words, Block};
use crate::{env, Error};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The raw input of the current export call.
pub fn input() -> Vec<u8> {
    let len = unsafe { env::input_length() } as usize;
    read_words(len, |i| unsafe { env::input_load_u64(i) }, |i| unsafe { env::input_load_u8(i) })
}

/// The input parsed as JSON. An empty input is an error here; exports that
/// accept "no input" (hosts send `""` to `describe`) read [`input`] instead.
pub fn input_json<T: DeserializeOwned>() -> Result<T, Error> {
    serde_json::from_slice(&input()).map_err(|e| Error::new(format!("invalid input JSON: {}", e)))
}

/// Sets the export's output. The host takes the whole block as the output,
/// so the block is sized exactly.
pub fn output(data: &[u8]) {
    let block = Block::from_bytes(data);
    unsafe { env::output_set(block.handle(), block.len()) };
}

pub fn output_json<T: Serialize + ?Sized>(value: &T) -> Result<(), Error> {
    let bytes = serde_json::to_vec(value).map_err(|e| Error::new(format!("cannot encode output: {}", e)))?;
    output(&bytes);
    Ok(())
}

/// Reports `message` as the call's Extism error. The export must then return
/// a non-zero code: the Rust runtime looks at the code, the JS SDK only at
/// whether an error was set, so both must happen.
pub fn set_error(message: &str) {
    let block = Block::from_bytes(message.as_bytes());
    unsafe { env::error_set(block.handle()) };
}

/// Finishes an export: output on success, error + code 1 on failure.
pub fn finish(result: Result<Vec<u8>, Error>) -> i32 {
    match result {
        Ok(bytes) => {
            output(&bytes);
            0
        }
        Err(e) => {
            set_error(e.message());
            1
        }
    }
}
