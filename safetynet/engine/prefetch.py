"""A cache hint for numba kernels: ``prefetch(table, i, j)`` asks the CPU to bring the
cache line of ``table[i, j]`` (a 2-D C-ordered array) into its caches (LLVM's ``llvm.prefetch``;
a hint only: it reads nothing, changes nothing and cannot fault).

The file-order pass reads each claim's person and household rows from tables of a
million rows in an order no cache predicts; asking for the rows of a claim a few claims
ahead overlaps those misses with the arithmetic of the claims in between.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx: Any, table: Any, i: Any, j: Any) -> Any:
    """Hint that ``table[i, j]`` (2-D, C order; its cache line) will be read and written
    soon."""
    sig = types.void(table, i, j)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        tablety, ity, jty = signature.args
        array = context.make_array(tablety)(context, builder, args[0])
        row = context.cast(builder, args[1], ity, types.intp)
        col = context.cast(builder, args[2], jty, types.intp)
        ptr = cgutils.get_item_pointer(context, builder, tablety, array, [row, col])
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        # write (1), keep in all cache levels (3), data (1)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(1), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, inline="always")
def prefetch_row(table: Any, i: int) -> None:
    """:func:`prefetch` of every cache line of row ``i`` of ``table`` (int64)."""
    n = table.shape[1]
    for j in range(0, n, 8):
        prefetch(table, i, j)
    prefetch(table, i, n - 1)
