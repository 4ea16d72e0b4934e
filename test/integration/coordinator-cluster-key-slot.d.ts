/** Types of ioredis' own dependency, used to compute Redis Cluster slots in tests. */
declare module 'cluster-key-slot' {
  /** The cluster slot (0–16383) of `key`, honouring its `{hash tag}`. */
  export default function calculateSlot(key: string): number;
}
