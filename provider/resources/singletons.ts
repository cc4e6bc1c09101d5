// Graph objects that several Pulumi resources can map to in turn: a service principal's
// synchronization secrets, a job's schema, the one job per service principal and template. When
// one resource takes over such an object from another in the same deployment (a replacement
// with create-before-delete, a rename without an alias, a resource moved to another name), the
// engine creates the new resource first and deletes the old one afterwards. The old resource's
// delete would then undo what its successor just wrote: clear the secrets, reset the schema,
// delete the adopted job.
//
// The defence is ownership on delete: every write records the object as written in this
// deployment, and a delete of an object another resource wrote in this deployment leaves it
// alone. All dynamic resources of a deployment share one provider process, so this process
// knows. Secrets and schemas keep Pulumi's create-before-delete order on purpose: if the new
// resource's create fails, the old one is never deleted and the working credentials stay. The job
// asks for delete-before-replace instead (a resource option, so it holds for `up --replace` too,
// where the engine does not consult the provider's diff): replacing a job means a new job.

const written = new Map<string, number>();

/** Records that a resource of this deployment wrote `key` (e.g. `secrets:<spId>`). */
export function claim(key: string): void {
  written.set(key, (written.get(key) ?? 0) + 1);
}

/** Whether a resource of this deployment wrote `key` (so a delete must not undo it). */
export function claimedInThisDeployment(key: string): boolean {
  return (written.get(key) ?? 0) > 0;
}

export const singletonKey = {
  secrets: (spId: string) => `secrets:${spId.toLowerCase()}`,
  schema: (spId: string, jobId: string) => `schema:${spId.toLowerCase()}/${jobId}`,
  job: (spId: string, jobId: string) => `job:${spId.toLowerCase()}/${jobId}`,
};
