#!/usr/bin/env python3
"""bench/pytorch/bench_cuda.py — PyTorch twin of bench/bench_cuda.cpp (same workloads, same
timing: warm-up, timed loop closed by torch.cuda.synchronize()). Prints workload<TAB>value<TAB>unit."""
import time

import torch


def time_ms(f, iters, warmup=3):
    for _ in range(warmup):
        f()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(iters):
        f()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1e3 / iters


def report(name, value, unit):
    print(f"{name}\t{value:.6g}\t{unit}", flush=True)


def main():
    dev = torch.device("cuda:0")
    torch.backends.cuda.matmul.allow_tf32 = False  # tapegrad's default
    g = torch.Generator(device=dev).manual_seed(0)
    with torch.no_grad():
        for n in (1024, 4096):
            a = torch.randn(n, n, device=dev, generator=g)
            b = torch.randn(n, n, device=dev, generator=g)
            ms = time_ms(lambda: torch.matmul(a, b), 100 if n == 1024 else 10)
            report(f"gemm_f32_{n}", 2.0 * n ** 3 / (ms * 1e9), "TFLOP/s")
        n = 64 << 20
        a = torch.randn(n, device=dev, generator=g)
        b = torch.randn(n, device=dev, generator=g)
        ms = time_ms(lambda: a + b, 20)
        report("add_f32_64M", 3.0 * 4 * n / (ms * 1e6), "GB/s")
        ms = time_ms(lambda: a.clone(), 20)
        report("copy_d2d_f32_64M", 2.0 * 4 * n / (ms * 1e6), "GB/s")
        x = torch.ones(1, device=dev)
        y = torch.ones(1, device=dev)
        ms = time_ms(lambda: x + y, 20000, 100)
        report("add_1elem", ms * 1e3, "us/op")
        del a, b
    rows, dim, batch = 1_000_000, 64, 65_536
    emb = torch.nn.Embedding(rows, dim, sparse=True).to(dev)
    opt = torch.optim.SparseAdam(emb.parameters(), lr=1e-3)
    ids = torch.randint(0, rows, (batch,), device=dev, generator=g)
    up = torch.randn(batch, dim, device=dev, generator=g)

    def step():
        opt.zero_grad()
        (emb(ids) * up).sum().backward()
        opt.step()

    report("embedding_sparseadam_b65536_1Mx64", time_ms(step, 20), "ms/step")


if __name__ == "__main__":
    main()
