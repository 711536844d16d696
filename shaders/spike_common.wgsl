// Shared by the two spike-propagation kernels (compact, then accumulate).
//
// Both directions of propagation are one gather-accumulate, out[a, c] = Σ_b S(a, b) · M[b, c]
// over the b where S(a, b) != 0, with S(a, b) = spikes[a * stride_group + b * stride_reduce]:
//   forward  Y[r, c]  = Σ_i S[r, i] · W[i, c]   (a = row,   b = input)
//   weight   dW[i, c] = Σ_r S[r, i] · dY[r, c]  (a = input, b = row)

fn spike_index(p: PropagateParams, a: u32, b: u32) -> u32 {
    return a * p.stride_group + b * p.stride_reduce;
}

