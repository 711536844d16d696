//! The same LIF built from ordinary Burn tensor ops, one op chain per time step.
//!
//! It is slower than the fused kernels (T launches of several elementwise ops forward, and as
//! many backward), and is kept as the oracle our fused backward is tested against and the
//! baseline the benchmarks compare with. Its gradients come from Burn's autodiff: the spike is
//! a Heaviside step whose gradient is replaced by the surrogate through its antiderivative φ
//! (`H(x) + φ(x) − φ(x).detach()` has the value of `H(x)` and the gradient `φ'(x)`).

use burn::tensor::Tensor;
use burn::tensor::activation::sigmoid;

use crate::neuron::{CustomSurrogate, LifSpec, NeuronKind, Plane, ResetMode, StateQuant, Surrogate};

/// Antiderivative of each surrogate.
fn surrogate_primitive<const D: usize>(x: Tensor<D>, surrogate: Surrogate) -> Tensor<D> {
    use std::f32::consts::{FRAC_PI_2, PI};
    match surrogate {
        Surrogate::Atan { alpha } => (x * (FRAC_PI_2 * alpha)).atan() / PI,
        Surrogate::FastSigmoid { slope } => x.clone() / (x.abs() * slope + 1.0),
        Surrogate::Sigmoid { slope } => sigmoid(x * slope),
        Surrogate::StraightThrough => x,
        Surrogate::SpikeRateEscape { beta, slope } => {
            // ∫ k·e^{−β|x−1|}: (k/β)·e^{β(x−1)} below 1, 2k/β − (k/β)·e^{−β(x−1)} above.
            let shifted = x - 1.0;
            let below = (shifted.clone() * beta).exp() * (slope / beta);
            let above = (shifted.clone() * -beta).exp() * (-slope / beta) + 2.0 * slope / beta;
            below.mask_where(shifted.greater_equal_elem(0.0), above)
        }
        Surrogate::Sfs { slope, bound } => {
            // ∫ 1/(k|x| + 1)² = x/(1 + k|x|), counted from the bound B upward.
            let above = x.clone() / (x.clone().abs() * slope + 1.0) - bound / (1.0 + slope * bound.abs());
            above.clone().zeros_like().mask_where(x.greater_elem(bound), above)
        }
    }
}

/// snnTorch's `state_quant` with a straight-through gradient: the value of the nearest level,
/// the gradient of the identity (same arithmetic as [`StateQuant::apply`]).
fn quantize<const D: usize>(x: Tensor<D>, quant: StateQuant) -> Tensor<D> {
    let (step, inv_step) = quant.step();
    let index = ((x.clone().detach() - quant.lower) * inv_step - 0.5).ceil().clamp(0.0, (quant.levels - 1) as f32);
    let levels = index * step + quant.lower;
    // `x − x.detach()` is exactly zero, so the value is exactly the level.
    levels + (x.clone() - x.detach())
}

/// `1[x > 0]` in `x`'s dtype, detached.
fn indicator<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let dtype = x.dtype();
    x.greater_elem(0.0).float().cast(dtype).detach()
}

/// `H(x)` (strict `x > 0`) with the surrogate's gradient.
pub fn spike<const D: usize>(x: Tensor<D>, surrogate: Surrogate) -> Tensor<D> {
    spike_with(x, |x| surrogate_primitive(x, surrogate))
}

/// `H(x)` with a user-supplied surrogate: `antiderivative` is φ, whose derivative φ' becomes
/// the spike's gradient (its value stays the Heaviside step). Built from tensor ops, so any
/// differentiable φ works — the slower path next to the fused kernels' built-in surrogates.
pub fn spike_with<const D: usize>(x: Tensor<D>, antiderivative: impl Fn(Tensor<D>) -> Tensor<D>) -> Tensor<D> {
    let heaviside = indicator(x.clone());
    let phi = antiderivative(x);
    // `φ − φ.detach()` is exactly zero, so the spike is exactly 0 or 1.
    heaviside + (phi.clone() - phi.detach())
}

/// How a composite neuron's spike takes its gradient: a built-in surrogate or the user's.
#[derive(Clone, Copy)]
enum SpikeGradient<'a> {
    Builtin(Surrogate),
    Custom(&'a CustomSurrogate),
}

impl SpikeGradient<'_> {
    fn spike(self, x: Tensor<2>) -> Tensor<2> {
        match self {
            SpikeGradient::Builtin(surrogate) => spike(x, surrogate),
            SpikeGradient::Custom(custom) => spike_with(x, |x| custom.antiderivative(x)),
        }
    }
}

/// The composite run of any neuron kind with a custom surrogate, on flat `[T, N]` input:
/// `states` and `coefficients` as the fused op lays them out (state rows `[1, N]` in the
/// kind's state order, coefficients `[N]` in its coefficient order, already tiled). Returns
/// the kind's output planes in its output order, each `[T, N]`.
pub(crate) fn run_custom(
    kind: NeuronKind,
    input: Tensor<2>,
    states: Vec<Tensor<2>>,
    coefficients: Vec<Tensor<1>>,
    spec: LifSpec,
    surrogate: &CustomSurrogate,
) -> Vec<Tensor<2>> {
    let layout = kind.layout();
    let state = |plane: Plane| layout.state_row(plane).map(|row| states[row].clone());
    let coefficient = |c: crate::neuron::Coefficient| layout.coefficient_row(c).map(|row| coefficients[row].clone());
    use crate::neuron::Coefficient::{Alpha, Beta, RecurrentWeight, Threshold};
    let grad = SpikeGradient::Custom(surrogate);
    let (beta, theta) = (coefficient(Beta).expect("every kind has β"), coefficient(Threshold).expect("every kind has θ"));
    let membrane = state(Plane::Membrane).expect("every kind has a membrane");
    let mut planes = Vec::with_capacity(layout.outputs.len());
    let (spikes, membrane, synaptic, excitatory, inhibitory) = if kind == NeuronKind::Alpha {
        let (spikes, mem, exc, inh) = alpha_composite_with(
            input,
            membrane,
            state(Plane::Excitatory).expect("Alpha has E"),
            state(Plane::Inhibitory).expect("Alpha has H"),
            coefficient(Alpha).expect("Alpha has α"),
            beta,
            theta,
            spec,
            grad,
        );
        (spikes, mem, None, Some(exc), Some(inh))
    } else {
        let synaptic = coefficient(Alpha).zip(state(Plane::Synaptic));
        let recurrent = coefficient(RecurrentWeight).zip(state(Plane::Spikes));
        let ((spikes, mem), current) = neuron_composite(input, membrane, beta, theta, synaptic, recurrent, spec, grad);
        (spikes, mem, current, None, None)
    };
    for &plane in layout.outputs {
        planes.push(match plane {
            Plane::Spikes => spikes.clone(),
            Plane::Membrane => membrane.clone(),
            Plane::Synaptic => synaptic.clone().expect("synaptic kinds return a current"),
            Plane::Excitatory => excitatory.clone().expect("Alpha returns E"),
            Plane::Inhibitory => inhibitory.clone().expect("Alpha returns H"),
        });
    }
    planes
}

/// snnTorch `Leaky` over T steps: `input` `[T, N]`, `initial` `[1, N]`, β and θ `[N]`.
/// Returns `(spikes, membrane)`, each `[T, N]`.
pub fn lif_composite(input: Tensor<2>, initial: Tensor<2>, beta: Tensor<1>, theta: Tensor<1>, spec: LifSpec) -> (Tensor<2>, Tensor<2>) {
    neuron_composite(input, initial, beta, theta, None, None, spec, SpikeGradient::Builtin(spec.surrogate)).0
}

/// snnTorch `RLeaky`/`RSynaptic` with one-to-one recurrence: `V·S[t-1]` (V `[N]`, initial spike
/// `[1, N]`) joins the input, then the optional synaptic filter `(α, initial current)`. Returns
/// `(spikes, membrane, current)` (the current only with the filter).
pub fn recurrent_composite(
    input: Tensor<2>,
    initial: Tensor<2>,
    initial_spike: Tensor<2>,
    recurrent_weight: Tensor<1>,
    synaptic: Option<(Tensor<1>, Tensor<2>)>,
    beta: Tensor<1>,
    theta: Tensor<1>,
    spec: LifSpec,
) -> (Tensor<2>, Tensor<2>, Option<Tensor<2>>) {
    let ((spikes, membrane), current) = neuron_composite(
        input,
        initial,
        beta,
        theta,
        synaptic,
        Some((recurrent_weight, initial_spike)),
        spec,
        SpikeGradient::Builtin(spec.surrogate),
    );
    (spikes, membrane, current)
}

/// snnTorch `Synaptic` over T steps: as [`lif_composite`] with the current `I[t] = α·I[t-1] +
/// X[t]` (α `[N]`, initial current `[1, N]`) driving the membrane. Returns
/// `(spikes, membrane, current)`.
pub fn synaptic_composite(
    input: Tensor<2>,
    initial: Tensor<2>,
    initial_current: Tensor<2>,
    alpha: Tensor<1>,
    beta: Tensor<1>,
    theta: Tensor<1>,
    spec: LifSpec,
) -> (Tensor<2>, Tensor<2>, Tensor<2>) {
    let ((spikes, membrane), current) =
        neuron_composite(input, initial, beta, theta, Some((alpha, initial_current)), None, spec, SpikeGradient::Builtin(spec.surrogate));
    (spikes, membrane, current.expect("synaptic runs return a current"))
}

fn neuron_composite(
    input: Tensor<2>,
    initial: Tensor<2>,
    beta: Tensor<1>,
    theta: Tensor<1>,
    synaptic: Option<(Tensor<1>, Tensor<2>)>,
    recurrent: Option<(Tensor<1>, Tensor<2>)>,
    spec: LifSpec,
    grad: SpikeGradient,
) -> ((Tensor<2>, Tensor<2>), Option<Tensor<2>>) {
    let [steps, neurons] = input.dims();
    let mut recurrent = recurrent.map(|(weight, spike)| (weight.reshape([1, neurons]), spike));
    let mut synaptic = synaptic.map(|(alpha, current)| (alpha.clamp(0.0, 1.0).reshape([1, neurons]), current));
    let mut currents = Vec::new();
    let beta = beta.clamp(0.0, 1.0).reshape([1, neurons]);
    let theta = theta.reshape([1, neurons]);
    let mut mem = initial;
    let (mut spikes, mut mems) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
    for t in 0..steps {
        let mut x = input.clone().slice([t..t + 1]);
        if let Some((weight, previous)) = recurrent.as_ref() {
            x = x + weight.clone() * previous.clone();
        }
        if let Some((alpha, current)) = synaptic.as_mut() {
            *current = alpha.clone() * current.clone() + x;
            x = current.clone();
            // snnTorch quantizes the current after the membrane has integrated it.
            if let Some(quant) = spec.state_quant {
                *current = quantize(current.clone(), quant);
            }
            currents.push(current.clone());
        }
        // The reset indicator is detached, as in snnTorch's mem_reset().
        let r = indicator(mem.clone() - theta.clone());
        mem = match spec.reset {
            ResetMode::Subtract => beta.clone() * mem + x - r.clone() * theta.clone(),
            ResetMode::Zero => beta.clone() * (r.clone().neg() + 1.0) * mem + x,
            ResetMode::None => beta.clone() * mem + x,
            ResetMode::ZeroAll => (r.clone().neg() + 1.0) * (beta.clone() * mem + x),
        };
        if let Some(quant) = spec.state_quant {
            mem = quantize(mem, quant);
        }
        let s = grad.spike(mem.clone() - theta.clone());
        if !spec.reset_delay {
            // Immediate reset; not detached, so the spike's surrogate gradient flows through it.
            let reset_now = s.clone() - r;
            mem = match spec.reset {
                ResetMode::Subtract => mem - reset_now * theta.clone(),
                ResetMode::Zero | ResetMode::ZeroAll => mem.clone() - reset_now * mem,
                ResetMode::None => mem,
            };
        }
        if let Some((_, previous)) = recurrent.as_mut() {
            *previous = s.clone();
        }
        spikes.push(s);
        mems.push(mem.clone());
    }
    let currents = synaptic.map(|_| Tensor::cat(currents, 0));
    ((Tensor::cat(spikes, 0), Tensor::cat(mems, 0)), currents)
}

/// snnTorch `Alpha` over T steps, transcribed from its code: `input` `[T, N]`, the initial
/// membrane, excitatory and inhibitory currents `[1, N]` each, α, β and θ `[N]`. The reset is
/// always delayed. Returns `(spikes, membrane, excitatory, inhibitory)`, each `[T, N]`.
pub fn alpha_composite(
    input: Tensor<2>,
    initial: Tensor<2>,
    initial_excitatory: Tensor<2>,
    initial_inhibitory: Tensor<2>,
    alpha: Tensor<1>,
    beta: Tensor<1>,
    theta: Tensor<1>,
    spec: LifSpec,
) -> (Tensor<2>, Tensor<2>, Tensor<2>, Tensor<2>) {
    alpha_composite_with(input, initial, initial_excitatory, initial_inhibitory, alpha, beta, theta, spec, SpikeGradient::Builtin(spec.surrogate))
}

fn alpha_composite_with(
    input: Tensor<2>,
    initial: Tensor<2>,
    initial_excitatory: Tensor<2>,
    initial_inhibitory: Tensor<2>,
    alpha: Tensor<1>,
    beta: Tensor<1>,
    theta: Tensor<1>,
    spec: LifSpec,
    grad: SpikeGradient,
) -> (Tensor<2>, Tensor<2>, Tensor<2>, Tensor<2>) {
    let [steps, neurons] = input.dims();
    let alpha = alpha.clamp(0.0, 1.0).reshape([1, neurons]);
    let beta = beta.clamp(0.0, 1.0).reshape([1, neurons]);
    let theta = theta.reshape([1, neurons]);
    let tau = alpha.clone().log() / (beta.clone().log() - alpha.clone().log()) + 1.0;
    let (mut mem, mut exc, mut inh) = (initial, initial_excitatory, initial_inhibitory);
    let mut planes: [Vec<Tensor<2>>; 4] = Default::default();
    for t in 0..steps {
        let x = input.clone().slice([t..t + 1]);
        let r = indicator(mem.clone() - theta.clone());
        let exc_base = alpha.clone() * exc.clone() + x.clone();
        let inh_base = beta.clone() * inh.clone() - x;
        let mem_base = tau.clone() * (exc_base.clone() + inh_base.clone());
        (exc, inh, mem) = match spec.reset {
            // snnTorch subtracts (θ, β·H − X, −H[t-1]) times R.
            ResetMode::Subtract => (exc_base - theta.clone() * r.clone(), inh_base.clone() - inh_base * r.clone(), mem_base + inh.clone() * r),
            ResetMode::Zero | ResetMode::ZeroAll => {
                let keep = r.neg() + 1.0;
                (exc_base * keep.clone(), inh_base * keep.clone(), mem_base * keep)
            }
            ResetMode::None => (exc_base, inh_base, mem_base),
        };
        if let Some(quant) = spec.state_quant {
            exc = quantize(exc, quant);
            inh = quantize(inh, quant);
            mem = quantize(mem, quant);
        }
        planes[0].push(grad.spike(mem.clone() - theta.clone()));
        planes[1].push(mem.clone());
        planes[2].push(exc.clone());
        planes[3].push(inh.clone());
    }
    let [spikes, membrane, excitatory, inhibitory] = planes.map(|p| Tensor::cat(p, 0));
    (spikes, membrane, excitatory, inhibitory)
}
