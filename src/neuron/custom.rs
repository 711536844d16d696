//! A surrogate gradient of the user's own, for the neurons' tensor-op path.

use std::sync::Arc;

use burn::tensor::Tensor;

/// A surrogate gradient given by its antiderivative φ: the spike keeps the Heaviside value
/// `H(x)` (x = U − θ) and takes φ'(x) as its gradient, snnTorch's custom `spike_grad`.
///
/// The fused kernels compile their surrogates ([`Surrogate`](crate::Surrogate)) into WGSL, so
/// a neuron with a custom surrogate runs on Burn tensor ops instead: one op chain per time
/// step, several times slower, on any Burn device (no kernel limits). It computes in f32 like
/// the kernels (outputs are stored in the input's dtype): φ receives `[1, N]` f32 tensors and
/// must be differentiable by Burn's autodiff.
///
/// ```
/// use burn_neuro::neuron::CustomSurrogate;
/// // φ(x) = tanh(k·x)/k: the gradient sech²(k·x), peaking at 1 on the threshold.
/// let k = 4.0;
/// let tanh_surrogate = CustomSurrogate::new(move |x| (x * k).tanh() / k);
/// # let _ = tanh_surrogate;
/// ```
#[derive(Clone)]
pub struct CustomSurrogate(Arc<dyn Fn(Tensor<2>) -> Tensor<2> + Send + Sync>);

impl CustomSurrogate {
    /// The surrogate whose gradient is the derivative of `antiderivative`.
    pub fn new(antiderivative: impl Fn(Tensor<2>) -> Tensor<2> + Send + Sync + 'static) -> Self {
        CustomSurrogate(Arc::new(antiderivative))
    }

    /// φ(x).
    pub fn antiderivative(&self, x: Tensor<2>) -> Tensor<2> {
        (self.0)(x)
    }
}

impl std::fmt::Debug for CustomSurrogate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomSurrogate(<fn>)")
    }
}
