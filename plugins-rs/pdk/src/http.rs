//! Outbound HTTP through the host, which enforces the manifest's allowedHosts.

use crate::memory::Block;
use crate::{env, Error};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize, Default, Debug, Clone)]
pub struct Request {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

impl Request {
    pub fn get(url: &str) -> Request {
        Request { url: url.to_string(), ..Request::default() }
    }

    pub fn method(mut self, method: &str) -> Request {
        self.method = Some(method.to_string());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.insert(name.to_string(), value.to_string());
        self
    }
}

pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    /// The host answered but kept the body back: it was larger than the
    /// plugin may receive (mcp-sidecar: the manifest's `limits.maxOutputBytes`).
    pub body_over_limit: bool,
}

/// Performs `request` with an optional body. A host refusal (host not
/// allowed, HTTP disabled) comes back as an error, not a status.
pub fn send(request: &Request, body: Option<&[u8]>) -> Result<Response, Error> {
    let encoded = serde_json::to_vec(request).map_err(|e| Error::new(e.to_string()))?;
    let req_block = Block::from_bytes(&encoded);
    let body_block = body.map(Block::from_bytes);
    let body_handle = body_block.as_ref().map(|b| b.handle()).unwrap_or(0);
    let res = unsafe { env::http_request(req_block.handle(), body_handle) };
    let status = unsafe { env::http_status_code() };
    req_block.free();
    if let Some(b) = body_block {
        b.free();
    }
    if status <= 0 && res == 0 {
        return Err(Error::new(format!("http request to {} was refused by the host", request.url)));
    }
    // A response always has a body block, empty or not; none with a status
    // set means the host dropped a body over its size cap.
    let body = match Block::from_handle(res) {
        Some(block) => {
            let bytes = block.to_vec();
            block.free();
            bytes
        }
        None => Vec::new(),
    };
    Ok(Response { status: status as u16, body, body_over_limit: res == 0 })
}

/// The headers of the last response (lower-case names), as the host reports
/// them; empty if the host does not (the Extism SDK unless configured to).
pub fn last_headers() -> serde_json::Map<String, serde_json::Value> {
    let handle = unsafe { env::http_headers() };
    let block = match Block::from_handle(handle) {
        Some(block) => block,
        None => return serde_json::Map::new(),
    };
    let bytes = block.to_vec();
    block.free();
    match serde_json::from_slice(&bytes) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}
