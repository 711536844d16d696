//! What a neuron call returns and the state it carries between calls, both with the planes of
//! the kind's table row by name.

use burn::tensor::Tensor;

#[cfg(doc)]
use super::{neuron_forward, neuron_step};
use crate::error::{NeuroError, Result};
use crate::neuron::{NeuronKind, Plane};

/// What a neuron call returns: one tensor per output plane of its kind, `[T, ...]` from
/// [`neuron_forward`] and shaped like the input from [`neuron_step`]. Planes a kind does not
/// have are `None`.
#[derive(Debug, Clone)]
pub struct NeuronOutput<const D: usize> {
    /// The kind that produced these planes.
    pub kind: NeuronKind,
    /// S (graded by the layer's factor when a module scales them).
    pub spikes: Tensor<D>,
    /// U.
    pub membrane: Tensor<D>,
    /// I (`Synaptic`, `RSynaptic`).
    pub synaptic: Option<Tensor<D>>,
    /// E (`Alpha`).
    pub excitatory: Option<Tensor<D>>,
    /// H (`Alpha`).
    pub inhibitory: Option<Tensor<D>>,
}

/// The state of a neuron between steps: one tensor per starting-state row of its kind, each
/// `[1, ...]` before [`neuron_forward`] or shaped like the input for [`neuron_step`]. A row left
/// `None` starts from zeros.
#[derive(Debug, Clone)]
pub struct NeuronState<const D: usize> {
    /// U.
    pub membrane: Tensor<D>,
    /// I (`Synaptic`, `RSynaptic`).
    pub synaptic: Option<Tensor<D>>,
    /// E (`Alpha`).
    pub excitatory: Option<Tensor<D>>,
    /// H (`Alpha`).
    pub inhibitory: Option<Tensor<D>>,
    /// S[t-1] (`RLeaky`, `RSynaptic`), as the layer emitted it.
    pub spikes: Option<Tensor<D>>,
}

impl<const D: usize> NeuronState<D> {
    /// A state holding only a membrane.
    pub fn new(membrane: Tensor<D>) -> Self {
        NeuronState { membrane, synaptic: None, excitatory: None, inhibitory: None, spikes: None }
    }

    /// Sets the synaptic current.
    pub fn with_synaptic(mut self, synaptic: Tensor<D>) -> Self {
        self.synaptic = Some(synaptic);
        self
    }

    /// Sets `Alpha`'s excitatory and inhibitory currents.
    pub fn with_currents(mut self, excitatory: Tensor<D>, inhibitory: Tensor<D>) -> Self {
        self.excitatory = Some(excitatory);
        self.inhibitory = Some(inhibitory);
        self
    }

    /// Sets the previous spikes.
    pub fn with_spikes(mut self, spikes: Tensor<D>) -> Self {
        self.spikes = Some(spikes);
        self
    }

    /// The tensor of a plane, if set.
    pub fn plane(&self, plane: Plane) -> Option<&Tensor<D>> {
        match plane {
            Plane::Membrane => Some(&self.membrane),
            Plane::Synaptic => self.synaptic.as_ref(),
            Plane::Excitatory => self.excitatory.as_ref(),
            Plane::Inhibitory => self.inhibitory.as_ref(),
            Plane::Spikes => self.spikes.as_ref(),
        }
    }

    /// Every set plane through `f`.
    pub fn map<const E: usize>(self, mut f: impl FnMut(Tensor<D>) -> Tensor<E>) -> NeuronState<E> {
        NeuronState {
            membrane: f(self.membrane),
            synaptic: self.synaptic.map(&mut f),
            excitatory: self.excitatory.map(&mut f),
            inhibitory: self.inhibitory.map(&mut f),
            spikes: self.spikes.map(&mut f),
        }
    }

    /// Every plane detached from the autodiff graph.
    pub fn detach(self) -> Self {
        self.map(Tensor::detach)
    }

    /// Errors for a plane `kind` has no state row for, or one not shaped `dims`, naming it by
    /// `argument` (`initial_*` before a run, the plane's own name between steps).
    pub(super) fn check(&self, kind: NeuronKind, dims: [usize; D], argument: fn(Plane) -> &'static str) -> Result<()> {
        for plane in Plane::ALL {
            let Some(tensor) = self.plane(plane) else { continue };
            let argument = argument(plane);
            if kind.layout().state_row(plane).is_none() {
                return Err(NeuroError::Shape {
                    argument,
                    actual: tensor.dims().to_vec(),
                    expected: format!("none: {kind:?} has no {} state", plane.name()),
                });
            }
            if tensor.dims() != dims {
                return Err(NeuroError::Shape { argument, actual: tensor.dims().to_vec(), expected: format!("{dims:?}") });
            }
        }
        Ok(())
    }
}

impl<const D: usize> NeuronOutput<D> {
    /// The tensor of an output plane, if this kind writes it.
    pub fn plane(&self, plane: Plane) -> Option<&Tensor<D>> {
        match plane {
            Plane::Spikes => Some(&self.spikes),
            Plane::Membrane => Some(&self.membrane),
            Plane::Synaptic => self.synaptic.as_ref(),
            Plane::Excitatory => self.excitatory.as_ref(),
            Plane::Inhibitory => self.inhibitory.as_ref(),
        }
    }

    /// Every plane through `f`.
    pub fn map<const E: usize>(self, mut f: impl FnMut(Tensor<D>) -> Tensor<E>) -> NeuronOutput<E> {
        NeuronOutput {
            kind: self.kind,
            spikes: f(self.spikes),
            membrane: f(self.membrane),
            synaptic: self.synaptic.map(&mut f),
            excitatory: self.excitatory.map(&mut f),
            inhibitory: self.inhibitory.map(&mut f),
        }
    }

    /// The state after the last step: the last step of every output plane that is also a state
    /// row of this kind (S[t-1] for the recurrent kinds), `[1, ...]` each.
    pub fn final_state(&self) -> NeuronState<D> {
        let last = |t: &Tensor<D>| {
            let steps = t.dims()[0];
            t.clone().slice([steps - 1..steps])
        };
        let layout = self.kind.layout();
        let state = |plane: Plane| layout.state_row(plane).and(self.plane(plane)).map(last);
        NeuronState {
            membrane: last(&self.membrane),
            synaptic: state(Plane::Synaptic),
            excitatory: state(Plane::Excitatory),
            inhibitory: state(Plane::Inhibitory),
            spikes: state(Plane::Spikes),
        }
    }

    /// The state a single step's output carries into the next step (every output plane that
    /// is a state row of this kind, S for the recurrent kinds): what snnTorch keeps in `mem`,
    /// `syn`, `spk` between calls. For a multi-step output use [`final_state`](Self::final_state).
    ///
    /// ```no_run
    /// # use burn::tensor::Tensor;
    /// # use burn_neuro::snn::{NeuronState, RLeaky};
    /// # fn run(layer: &RLeaky, inputs: Vec<Tensor<2>>) {
    /// let mut state: Option<NeuronState<2>> = None; // snnTorch's init_rleaky()
    /// for x_t in inputs {
    ///     let out = layer.step(x_t, state.take()); // spk, mem = rlif(x, spk, mem)
    ///     state = Some(out.into_state());
    /// }
    /// # }
    /// ```
    pub fn into_state(self) -> NeuronState<D> {
        let layout = self.kind.layout();
        let keep = |plane: Plane, tensor: Option<Tensor<D>>| layout.state_row(plane).and(tensor);
        NeuronState {
            synaptic: keep(Plane::Synaptic, self.synaptic),
            excitatory: keep(Plane::Excitatory, self.excitatory),
            inhibitory: keep(Plane::Inhibitory, self.inhibitory),
            spikes: keep(Plane::Spikes, Some(self.spikes)),
            membrane: self.membrane,
        }
    }

    /// Outputs of consecutive runs joined along time.
    pub fn cat(outputs: Vec<Self>) -> Self {
        let first = outputs.first().expect("at least one output to join");
        let kind = first.kind;
        let join = |plane: Plane| -> Option<Tensor<D>> {
            let parts: Option<Vec<_>> = outputs.iter().map(|o| o.plane(plane).cloned()).collect();
            parts.map(|parts| Tensor::cat(parts, 0))
        };
        NeuronOutput {
            kind,
            spikes: join(Plane::Spikes).expect("every output has spikes"),
            membrane: join(Plane::Membrane).expect("every output has a membrane"),
            synaptic: join(Plane::Synaptic),
            excitatory: join(Plane::Excitatory),
            inhibitory: join(Plane::Inhibitory),
        }
    }
}
