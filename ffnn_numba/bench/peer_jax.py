"""JAX as a benchmark peer (optional extra ``[jax]``): the same network, cost and update rule
compiled whole by XLA, the strongest compiled peer of the loops on a CPU.

One training step is ``value_and_grad`` of J and the update in one ``jax.jit`` with the
parameters and the optimizer's state donated (updated in place); one epoch is a shuffle and a
``lax.scan`` of that step over the batches, in one ``jax.jit`` as well. The network's layout
is kept: W^[l] is (n^[l], n^[l-1]), one column per example, Z^[l] = W^[l] A^[l-1] + b^[l].

64-bit floats: JAX computes in float32 unless ``jax_enable_x64`` is set, and that flag is
global state that changes the default dtype of every JAX array in the process. Here it is
set only inside ``x64()`` (``jax.enable_x64``, a context manager that restores the previous
value on exit and applies to the current thread only); the benchmark builds and times its
JAX peers inside it. float32 peers are unaffected by the flag (their arrays are float32 and
Python numbers stay weakly typed). A float64 peer refuses to be built outside it, rather
than silently computing in float32.
"""
import numpy as np

from ..registry import ELU_ALPHA, LEAKY_RELU_SLOPE


def missing():
    """Why JAX cannot be used here, or None when it can."""
    try:
        import jax  # noqa: F401
    except ImportError:
        return "jax is not installed (pip install ffnn-numba[jax])"
    return None


def x64():
    """A context in which JAX computes float64: ``jax.enable_x64(True)``, restored on exit
    (``jax.experimental.enable_x64()`` in JAX releases before the top-level one)."""
    try:
        from jax import enable_x64
    except ImportError:
        from jax.experimental import enable_x64
    return enable_x64(True)


def _activations():
    import jax
    import jax.numpy as jnp
    return {"relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh,
            "softplus": jax.nn.softplus, "silu": jax.nn.silu, "linear": lambda z: z,
            "leaky_relu": lambda z: jax.nn.leaky_relu(z, LEAKY_RELU_SLOPE),
            "elu": lambda z: jax.nn.elu(z, ELU_ALPHA)}


def _cost(name, output):
    """J of the output layer's logits Z^[L] (the output activation fused into the cost, as the
    fused pairs of ``registry.FUSED`` are), or of A^[L] for mean squared error."""
    import jax
    import jax.numpy as jnp
    if (name, output) == ("categorical_cross_entropy", "softmax"):
        return lambda Z, Y: jnp.mean(jax.nn.logsumexp(Z, axis=0) - jnp.sum(Y * Z, axis=0))
    if output == "sigmoid" and name in ("binary_cross_entropy", "multilabel_cross_entropy"):
        return lambda Z, Y: jnp.mean(jnp.sum(jax.nn.softplus(Z) - Y * Z, axis=0))
    if (name, output) == ("mean_squared_error", "linear"):
        return lambda A, Y: jnp.sum((A - Y) ** 2) / (2 * Y.shape[1])
    raise ValueError(f"the JAX peer computes categorical cross-entropy with softmax, binary or "
                     f"multi-label cross-entropy with sigmoid and mean squared error with a "
                     f"linear output; got {name} with {output}")


def _update_rule(optimizer):
    """(initial state, update(params, state, grads) -> (params, state)) of an optimizer object
    of ``ffnn_numba.training`` (SGD or Adam), as ``kernels/optimizers.py`` writes them."""
    import jax
    import jax.numpy as jnp
    alpha = float(optimizer.learning_rate)
    if optimizer.name == "sgd":
        def sgd(params, state, grads):
            return jax.tree_util.tree_map(lambda p, g: p - alpha * g, params, grads), state
        return (lambda params: ()), sgd
    if optimizer.name != "adam":
        raise ValueError(f"the JAX peer runs sgd and adam; got {optimizer.name}")
    b1, b2, eps = float(optimizer.beta_1), float(optimizer.beta_2), float(optimizer.epsilon)

    def init(params):
        def zeros():   # two trees of their own: donated buffers must be distinct
            return jax.tree_util.tree_map(jnp.zeros_like, params)
        return zeros(), zeros(), jnp.zeros((), params[0][0].dtype)

    def adam(params, state, grads):
        m, v, s = state
        s = s + 1
        rate = alpha * jnp.sqrt(1 - b2 ** s) / (1 - b1 ** s)
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        params = jax.tree_util.tree_map(lambda p, m, v: p - rate * m / (jnp.sqrt(v) + eps),
                                        params, m, v)
        return params, (m, v, s)
    return init, adam


class JaxPeer:
    """The network ``net`` (its current parameters, activations and cost) in JAX, trained with
    ``optimizer`` (``ffnn_numba.training.SGD`` or ``Adam``).

    ``step(X, Y)`` and ``epoch(X, Y, batch_size, seed)`` return callables that run one update
    on the whole batch, or one shuffled epoch, on the peer's own parameters; each returns the
    cost(s) as a JAX array without waiting for it (``side_by_side`` waits at the end of each
    block of calls). ``parameters()`` gives them back as {"W1": ..., "b1": ...} in float64.
    """

    def __init__(self, net, optimizer):
        import jax
        import jax.numpy as jnp
        self.dtype = np.dtype(net.dtype)
        if self.dtype == np.float64 and not jax.config.jax_enable_x64:
            raise RuntimeError("a float64 JAX peer must be built and run inside "
                               "ffnn_numba.bench.peer_jax.x64(); JAX would compute in float32")
        sizes = net.layer_sizes
        self.params = tuple((jnp.asarray(net.params[f"W{l}"]), jnp.asarray(net.params[f"b{l}"]))
                            for l in range(1, len(sizes)))
        acts = _activations()
        unknown = [name for name in net.activations[:-1] if name not in acts]
        if unknown:
            raise ValueError(f"the JAX peer has no hidden activation {unknown[0]!r}; it has "
                             f"{', '.join(acts)}")
        hidden = [acts[name] for name in net.activations[:-1]]
        # The output activation is folded into the cost (a linear output is the identity).
        cost = _cost(net.cost_name, net.activations[-1])

        def loss(params, X, Y):
            A = X
            for (W, b), g in zip(params[:-1], hidden):
                A = g(W @ A + b)
            W, b = params[-1]
            return cost(W @ A + b, Y)
        init, update = _update_rule(optimizer)
        self.state = init(self.params)
        gradient = jax.value_and_grad(loss)

        def train_step(params, state, X, Y):
            J, grads = gradient(params, X, Y)
            params, state = update(params, state, grads)
            return params, state, J
        self._train_step = train_step
        self._step = jax.jit(train_step, donate_argnums=(0, 1))

    def step(self, X, Y):
        """A callable running one update on the whole batch (X, Y), returning J before it."""
        import jax.numpy as jnp
        X, Y = jnp.asarray(X, self.dtype), jnp.asarray(Y, self.dtype)

        def one_step():
            self.params, self.state, J = self._step(self.params, self.state, X, Y)
            return J
        return one_step

    def epoch(self, X, Y, batch_size, seed=0):
        """A callable running one epoch: a fresh random order of the m examples, then
        ``batch_size`` at a time (the last batch smaller when m is not a multiple) in a
        ``lax.scan``; returns the batch costs."""
        import jax
        import jax.numpy as jnp
        m = X.shape[1]
        full, rest = divmod(m, batch_size)
        train_step = self._train_step

        def train_epoch(params, state, key, X, Y):
            key, draw = jax.random.split(key)
            order = jax.random.permutation(draw, m)

            def body(carry, batch):
                params, state, J = train_step(*carry, X[:, batch], Y[:, batch])
                return (params, state), J
            (params, state), costs = jax.lax.scan(
                body, (params, state), order[:full * batch_size].reshape(full, batch_size))
            if rest:
                last = order[full * batch_size:]
                params, state, J = train_step(params, state, X[:, last], Y[:, last])
                costs = jnp.concatenate([costs, J[None]])
            return params, state, key, costs
        compiled = jax.jit(train_epoch, donate_argnums=(0, 1))
        X, Y = jnp.asarray(X, self.dtype), jnp.asarray(Y, self.dtype)
        self.key = jax.random.PRNGKey(seed)

        def one_epoch():
            self.params, self.state, self.key, costs = compiled(self.params, self.state,
                                                                self.key, X, Y)
            return costs
        return one_epoch

    def parameters(self):
        out = {}
        for l, (W, b) in enumerate(self.params, start=1):
            out[f"W{l}"], out[f"b{l}"] = np.asarray(W, np.float64), np.asarray(b, np.float64)
        return out

