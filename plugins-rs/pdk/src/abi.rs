//! Export bodies for the two MCP plugin ABIs, and the macros that emit the
//! exports in a plugin crate (exports must live in the final cdylib, so the
//! PDK cannot export them itself). The generated Rust functions have private
//! names and set the wasm export name explicitly, so a plugin may have its own
//! `fn complete` or `fn call` without a clash.

use crate::io::{finish, input, set_error};
use crate::tool::{self, Context, Tool};
use crate::Error;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Resources a hyper-mcp plugin serves. Results are MCP result objects.
pub trait Resources {
    /// `{"resources": [...]}`
    fn list(ctx: &Context) -> Result<Value, Error>;
    /// `{"resourceTemplates": [...]}`
    fn templates(_ctx: &Context) -> Result<Value, Error> {
        Ok(json!({ "resourceTemplates": [] }))
    }
    /// `{"contents": [...]}`
    fn read(uri: &str, ctx: &Context) -> Result<Value, Error>;
}

/// Prompts a hyper-mcp plugin serves.
pub trait Prompts {
    /// `{"prompts": [...]}`
    fn list(ctx: &Context) -> Result<Value, Error>;
    /// `{"messages": [...], "description"?}`
    fn get(name: &str, args: &Map<String, Value>, ctx: &Context) -> Result<Value, Error>;
}

/// Completion handler: gets the `complete` request (`{ref, argument, context?}`,
/// `ref.type` without the `ref/` prefix) and returns `{"completion": {...}}`.
pub type Complete = fn(&Value, &Context) -> Result<Value, Error>;

#[derive(Deserialize, Default)]
struct Params {
    name: String,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
}

#[derive(Deserialize, Default)]
struct Request<T> {
    #[serde(default)]
    request: Option<T>,
    #[serde(default)]
    context: Context,
}

#[derive(Deserialize)]
struct ServletCall {
    params: Params,
}

/// Runs one export body. The panic hook makes a panic visible (host log and
/// the Extism error) before the abort traps: a bare trap says only
/// "unreachable", which is useless to whoever debugs the plugin.
fn entry(body: impl FnOnce() -> Result<Vec<u8>, Error>) -> i32 {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let message = format!("plugin panicked: {}", info);
            // Straight to log_error, not log::error: checking the level
            // would import get_log_level, which older hosts lack.
            let block = crate::memory::Block::from_bytes(message.as_bytes());
            unsafe { crate::env::log_error(block.handle()) };
            set_error(&message);
        }))
    });
    finish(body())
}

/// Parses the call input; hosts may send an empty input to list functions.
fn parse<T: DeserializeOwned + Default>() -> Result<T, Error> {
    let bytes = input();
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    serde_json::from_slice(&bytes).map_err(|e| Error::protocol(format!("invalid input: {}", e)))
}

fn encode(value: Result<Value, Error>) -> Result<Vec<u8>, Error> {
    value.and_then(|v| serde_json::to_vec(&v).map_err(Error::from))
}

fn required<T>(req: Option<T>) -> Result<T, Error> {
    req.ok_or_else(|| Error::protocol("input has no \"request\""))
}

pub mod hyper {
    //! hyper-mcp ABI: `{"request": ..., "context": {...}}` in, MCP result out.
    use super::*;

    pub fn list_tools(tools: &[Tool]) -> i32 {
        entry(|| parse::<Request<Value>>().and_then(|_| encode(tool::list(tools))))
    }

    pub fn call_tool(tools: &[Tool]) -> i32 {
        entry(|| {
            let req: Request<Params> = parse()?;
            let params = required(req.request)?;
            let args = params.arguments.unwrap_or_default();
            let result = tool::dispatch(tools, &params.name, &args, &req.context)?;
            serde_json::to_vec(&result).map_err(Error::from)
        })
    }

    pub fn list_resources<R: Resources>() -> i32 {
        entry(|| parse::<Request<Value>>().and_then(|r| encode(R::list(&r.context))))
    }

    pub fn list_resource_templates<R: Resources>() -> i32 {
        entry(|| parse::<Request<Value>>().and_then(|r| encode(R::templates(&r.context))))
    }

    pub fn read_resource<R: Resources>() -> i32 {
        #[derive(Deserialize, Default)]
        struct Read {
            uri: String,
        }
        entry(|| {
            let req: Request<Read> = parse()?;
            let read = required(req.request)?;
            encode(R::read(&read.uri, &req.context))
        })
    }

    pub fn list_prompts<P: Prompts>() -> i32 {
        entry(|| parse::<Request<Value>>().and_then(|r| encode(P::list(&r.context))))
    }

    pub fn get_prompt<P: Prompts>() -> i32 {
        entry(|| {
            let req: Request<Params> = parse()?;
            let params = required(req.request)?;
            let args = params.arguments.unwrap_or_default();
            encode(P::get(&params.name, &args, &req.context))
        })
    }

    pub fn complete(handler: Complete) -> i32 {
        entry(|| {
            let req: Request<Value> = parse()?;
            let request = required(req.request)?;
            encode(handler(&request, &req.context))
        })
    }
}

pub mod servlet {
    //! mcp.run servlet ABI: `describe` (no input) and `call` (`{"params": ...}`).
    use super::*;

    pub fn describe(tools: &[Tool]) -> i32 {
        entry(|| encode(tool::list(tools)))
    }

    pub fn call(tools: &[Tool]) -> i32 {
        entry(|| {
            let bytes = input();
            let call: ServletCall =
                serde_json::from_slice(&bytes).map_err(|e| Error::protocol(format!("invalid input: {}", e)))?;
            let args = call.params.arguments.unwrap_or_default();
            let result = tool::dispatch(tools, &call.params.name, &args, &Context::default())?;
            serde_json::to_vec(&result).map_err(Error::from)
        })
    }
}

/// Emits the hyper-mcp exports. `tools` is required; `resources` (a type
/// implementing [`Resources`]), `prompts` (a type implementing [`Prompts`]) and
/// `complete` (a [`Complete`] function) add their exports when given, in this order.
///
/// ```ignore
/// static TOOLS: &[Tool] = &[Tool::new("echo", "Echo text", SCHEMA, echo)];
/// mcp_sidecar_pdk::hyper_mcp_plugin!(tools: TOOLS);
/// ```
#[macro_export]
macro_rules! hyper_mcp_plugin {
    (tools: $tools:expr
     $(, resources: $res:ty)?
     $(, prompts: $prompts:ty)?
     $(, complete: $complete:expr)?
     $(,)?) => {
        #[export_name = "list_tools"]
        pub extern "C" fn __mcp_sidecar_list_tools() -> i32 {
            $crate::abi::hyper::list_tools($tools)
        }
        #[export_name = "call_tool"]
        pub extern "C" fn __mcp_sidecar_call_tool() -> i32 {
            $crate::abi::hyper::call_tool($tools)
        }
        $(
            #[export_name = "list_resources"]
            pub extern "C" fn __mcp_sidecar_list_resources() -> i32 {
                $crate::abi::hyper::list_resources::<$res>()
            }
            #[export_name = "list_resource_templates"]
            pub extern "C" fn __mcp_sidecar_list_resource_templates() -> i32 {
                $crate::abi::hyper::list_resource_templates::<$res>()
            }
            #[export_name = "read_resource"]
            pub extern "C" fn __mcp_sidecar_read_resource() -> i32 {
                $crate::abi::hyper::read_resource::<$res>()
            }
        )?
        $(
            #[export_name = "list_prompts"]
            pub extern "C" fn __mcp_sidecar_list_prompts() -> i32 {
                $crate::abi::hyper::list_prompts::<$prompts>()
            }
            #[export_name = "get_prompt"]
            pub extern "C" fn __mcp_sidecar_get_prompt() -> i32 {
                $crate::abi::hyper::get_prompt::<$prompts>()
            }
        )?
        $(
            #[export_name = "complete"]
            pub extern "C" fn __mcp_sidecar_complete() -> i32 {
                $crate::abi::hyper::complete($complete)
            }
        )?
    };
}

/// Emits the mcp.run servlet exports `describe` and `call`.
#[macro_export]
macro_rules! servlet_plugin {
    (tools: $tools:expr $(,)?) => {
        #[export_name = "describe"]
        pub extern "C" fn __mcp_sidecar_describe() -> i32 {
            $crate::abi::servlet::describe($tools)
        }
        #[export_name = "call"]
        pub extern "C" fn __mcp_sidecar_call() -> i32 {
            $crate::abi::servlet::call($tools)
        }
    };
}
