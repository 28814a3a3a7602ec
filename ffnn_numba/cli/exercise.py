"""``ffnn-numba exercise``: the graded exercises (``ffnn_numba.teach.exercises``)."""
from .arguments import integer


def add(commands):
    """Add the command's parser to ``commands``."""
    p = commands.add_parser(
        "exercise", help="a graded exercise: print its task and template, or check your code",
        description="Graded exercises: write one equation of the derivation as a Python/NumPy "
                    "function with the kernel's signature, then check it index by index. "
                    "Without NAME, list the exercises.")
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="an exercise: z, dW, db, dA_prev, a_relu, dZ_softmax, "
                        "seed_categorical_cross_entropy, ... (omit to list them)")
    p.add_argument("--template", action="store_true",
                   help="print only the template, a Python file to start from")
    p.add_argument("--check", metavar="FILE.py",
                   help="import FILE.py and check its function for NAME (without NAME: every "
                        "function named like a kernel); exit status 1 while one fails")
    p.add_argument("--network", action="store_true",
                   help="with --check, then plug the functions into networks on the reference "
                        "backend: gradcheck, the library's gradients, a short training")
    p.add_argument("--seed", type=integer(0), default=0, help="seed of the random cases")
    p.set_defaults(run=run)


def run(args):
    """List the graded exercises, print one (task and template), or check a student's file."""
    from ..teach.exercises import command
    return command(args.name, check_path=args.check, template_only=args.template,
                   in_network=args.network, seed=args.seed)
