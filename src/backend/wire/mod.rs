//! How our ops travel as IR: through Fusion's lazy stream on a local GPU, and to a remote
//! server (feature `remote`).
//!
//! Every op is recorded as one `CustomOpIr` whose id names the op and whose scalars carry *all*
//! of its non-tensor arguments (neuron spec, crossbar settings, seeds, …), encoded by
//! `encode`. Whoever executes the IR — the local Fusion stream, or a server that received it
//! inside a cached graph — decodes them with `decode` and calls the backend's op through the
//! one per-family `run` function. The IR alone is enough to run the op: Burn's remote backend
//! ships fused graphs as IR only, so an argument left out of the IR would be lost there (Burn's
//! generated Fusion wrapper records only primitive arguments, which is why ours is written here).
//!
//! The local Fusion path decodes its own encoding on every launch, so every GPU test of an op
//! also tests its wire format.

mod fusion;
#[cfg(feature = "remote")]
mod router;

use burn::backend::fusion::custom::{ScalarIr, TensorSpec};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, TensorMetadata};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The op id on the wire: `burn-neuro/<version>/<op>`. A server of another version refuses the
/// op by name ("no custom-op handler registered") instead of misreading its arguments.
macro_rules! op_id {
    ($name:literal) => {
        concat!("burn-neuro/", env!("CARGO_PKG_VERSION"), "/", $name)
    };
}
pub(crate) use op_id;

/// Every op family, listed once: `(module, trait)`. Generates the bound of [`NeuroOps`],
/// [`op_ids`] and [`execute`], so a new family is one line here (and its `wire.rs`).
macro_rules! families {
    ($(($module:ident, $ops:ident)),+ $(,)?) => {
        /// Every backend that runs all of our ops.
        pub trait NeuroOps: $(super::$ops +)+ {}

        impl<B: $(super::$ops +)+> NeuroOps for B {}

        /// Every op id, each family's in turn (a server registers a handler for each).
        pub fn op_ids() -> impl Iterator<Item = &'static str> {
            [$(super::$module::wire::OPS),+].into_iter().flatten().copied()
        }

        /// Runs op `id` from its IR on backend `B`: `inputs` in the op's order, `scalars` as
        /// `encode` wrote them. Panics on an unknown id or malformed scalars (the IR is ours:
        /// either means a client and executor of different builds).
        pub fn execute<B: NeuroOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Vec<FloatTensor<B>> {
            let ran: Ran<B> = Err(inputs);
            $(let ran = ran.or_else(|inputs| super::$module::wire::run::<B>(id, inputs, scalars));)+
            match ran {
                Ok(outputs) => outputs,
                Err(_) => panic!("`{id}` is not a burn-neuro op of this build (version {})", env!("CARGO_PKG_VERSION")),
            }
        }
    };
}

families![
    (ceiling, CeilingOps),
    (crossbar, CrossbarOps),
    (esn_layer, EsnLayerOps),
    (lif, LifOps),
    (mif, MifOps),
    (pulsed_update, PulsedUpdateOps),
    (reservoir_node, ReservoirNodeOps),
    (spike_propagate, SpikePropagateOps),
    (spikegen, SpikegenOps),
    (update_quantize, UpdateQuantizeOps),
    (wox_node, WoxNodeOps),
];

/// A backend that records our ops as IR instead of running them (Fusion's lazy stream, Burn's
/// router): every op trait is implemented for it through [`IrBackend::submit`].
pub trait IrBackend: Backend {
    /// Records op `id` on `inputs` with `scalars`, returning its `N` outputs as `outputs`
    /// describes them (shape and dtype, known before it runs).
    fn submit<const N: usize>(
        id: &'static str,
        inputs: Vec<FloatTensor<Self>>,
        outputs: [TensorSpec; N],
        scalars: Vec<ScalarIr>,
    ) -> [FloatTensor<Self>; N];
}

/// What a family's `run` returns: the outputs, or the inputs back when `id` is not its op.
pub(crate) type Ran<B> = Result<Vec<FloatTensor<B>>, Vec<FloatTensor<B>>>;

/// The non-tensor arguments of one op as IR scalars: their MessagePack bytes, 8 to a `UInt`
/// (little-endian), after one `UInt` holding the byte count. Exact for every value (NaN and
/// infinities included), and hashable, so Fusion's graph cache tells different arguments apart.
pub(crate) fn encode<A: Serialize>(args: &A) -> Vec<ScalarIr> {
    let bytes = rmp_serde::to_vec(args).expect("our argument types serialize to MessagePack");
    let mut scalars = Vec::with_capacity(1 + bytes.len().div_ceil(8));
    scalars.push(ScalarIr::UInt(bytes.len() as u64));
    for chunk in bytes.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        scalars.push(ScalarIr::UInt(u64::from_le_bytes(word)));
    }
    scalars
}

/// The arguments [`encode`] wrote, or why they cannot be read.
pub(crate) fn try_decode<A: DeserializeOwned>(scalars: &[ScalarIr]) -> Result<A, String> {
    let words = scalars
        .iter()
        .map(|s| match s {
            ScalarIr::UInt(word) => Ok(*word),
            other => Err(format!("expected unsigned words, found {other:?}")),
        })
        .collect::<Result<Vec<u64>, String>>()?;
    let (&length, words) = words.split_first().ok_or("no byte count")?;
    let length = usize::try_from(length).map_err(|_| "byte count out of range".to_string())?;
    if length.div_ceil(8) != words.len() {
        return Err(format!("{length} bytes announced, {} words present", words.len()));
    }
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).take(length).collect();
    rmp_serde::from_slice(&bytes).map_err(|e| e.to_string())
}

/// [`try_decode`] for op `id`, panicking with the reason (see [`execute`]).
pub(crate) fn decode<A: DeserializeOwned>(id: &str, scalars: &[ScalarIr]) -> A {
    try_decode(scalars).unwrap_or_else(|e| panic!("`{id}`: malformed arguments ({e}); is the server the same burn-neuro version?"))
}

/// A tensor's shape and dtype, as output metadata is computed from.
pub(crate) fn describe<T: TensorMetadata>(tensor: &T) -> TensorSpec {
    TensorSpec::new(tensor.shape(), tensor.dtype())
}

/// The `N` tensors (`what`: inputs or outputs) of op `id`.
pub(crate) fn exactly<T, const N: usize>(id: &str, what: &str, tensors: Vec<T>) -> [T; N] {
    let count = tensors.len();
    tensors.try_into().unwrap_or_else(|_| panic!("`{id}` has {N} {what}, the IR holds {count}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neuron::{LifSpec, NeuronKind, StateQuant};

    #[test]
    fn arguments_round_trip_exactly() {
        let quant = StateQuant { levels: 16, lower: f32::NAN, upper: f32::INFINITY };
        let spec = LifSpec { state_quant: Some(quant), reset_delay: false, ..LifSpec::default() };
        let args = (spec, NeuronKind::default(), true, -0.0f32, 7u32);
        let back: (LifSpec, NeuronKind, bool, f32, u32) = try_decode(&encode(&args)).unwrap();
        let quant_back = back.0.state_quant.unwrap();
        assert!(quant_back.lower.is_nan() && quant_back.upper == f32::INFINITY && quant_back.levels == 16);
        assert_eq!((back.0.reset, back.0.reset_delay, back.0.surrogate, back.0.saved_state), (spec.reset, false, spec.surrogate, spec.saved_state));
        assert_eq!((back.1, back.2, back.3.to_bits(), back.4), (args.1, args.2, args.3.to_bits(), args.4));
    }

    #[test]
    fn malformed_arguments_are_reported() {
        let mut scalars = encode(&(1u32, 2.5f32));
        scalars.pop();
        assert!(try_decode::<(u32, f32)>(&scalars).unwrap_err().contains("announced"));
        assert!(try_decode::<(u32, f32)>(&[ScalarIr::Float(1.0)]).unwrap_err().contains("unsigned"));
        assert!(try_decode::<(u32, f32)>(&[]).is_err());
        assert!(try_decode::<(u32, f32)>(&encode(&"text")).is_err());
    }

    #[test]
    fn op_ids_are_unique_and_versioned() {
        let ids: Vec<&str> = op_ids().collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
        assert!(ids.iter().all(|id| id.starts_with(concat!("burn-neuro/", env!("CARGO_PKG_VERSION"), "/"))));
        assert!(ids.len() >= 20, "{ids:?}");
    }
}
