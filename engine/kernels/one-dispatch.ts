// A kernel that is one dispatch of one pipeline with one bind group, over a fixed number of workgroups,
// owning the buffers it made (its output and uniforms): the measuring kernels of engine/bench-ceilings.ts.
export abstract class OneDispatch {
  protected abstract readonly pipeline: GPUComputePipeline;
  protected abstract readonly group: GPUBindGroup;
  abstract readonly groups: number;
  /** buffers this kernel created, destroyed with it */
  protected abstract readonly owned: GPUBuffer[];

  encode(pass: GPUComputePassEncoder): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.group);
    pass.dispatchWorkgroups(this.groups);
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
  }
}
