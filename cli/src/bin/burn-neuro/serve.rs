//! `burn-neuro serve`: host this machine's device for remote clients (`--device
//! remote:ws://HOST:PORT` in `train` and `bench`), every burn-neuro op registered.

use std::net::TcpListener;

use burn::server::WebSocketTransport;
use burn_neuro::remote;

use crate::backend::BackendArg;
use crate::train::{device, remote_token};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// TCP port to listen on (0: any free port, printed at start).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Address to listen on. The default takes local clients only: the websocket transport is
    /// unencrypted, so expose it (e.g. `--host 0.0.0.0`) on a trusted network only, and set
    /// BURN_NEURO_TOKEN on both sides so stray clients are refused.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The device to serve: `gpu`, `cpu`, an adapter index from `info`, or `auto`.
    #[arg(long, default_value = "gpu")]
    device: String,
    /// Graphics API of the served GPU.
    #[arg(long, value_enum, default_value = "auto")]
    backend: BackendArg,
}

pub fn run(args: ServeArgs) -> Result<(), String> {
    if args.device.starts_with("remote:") {
        return Err("--device: a server serves a device of this machine, not a remote one".into());
    }
    let (device, _) = device(&args.device, args.backend)?;
    let token = remote_token();
    let server = remote::server([device.clone()], token.as_deref()).map_err(|e| e.to_string())?;
    let listener = TcpListener::bind((args.host.as_str(), args.port)).map_err(|e| format!("--host {} --port {}: {e}", args.host, args.port))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let ops = remote::op_ids().count();
    let auth = if token.is_some() { "clients must present BURN_NEURO_TOKEN" } else { "no token: any client that reaches the port gets a session" };
    println!("serving {device:?} on ws://{address} ({ops} burn-neuro ops registered; {auth}); Ctrl+C stops");
    server.serve(WebSocketTransport::from_listener(listener)).map_err(|e| format!("serving: {e}"))
}
