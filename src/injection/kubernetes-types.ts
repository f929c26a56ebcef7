/**
 * The slice of the core/v1 Pod API that injection reads or writes. Fields the
 * injector does not interpret stay as unknown JSON and are carried verbatim.
 * Documented at https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
 */

export type JsonValue = string | number | boolean | null | JsonObject | readonly JsonValue[];
export interface JsonObject {
  readonly [key: string]: JsonValue | undefined;
}

export interface EnvVar extends JsonObject {
  readonly name: string;
}

export interface VolumeMount extends JsonObject {
  readonly name: string;
  readonly mountPath: string;
}

export interface Container extends JsonObject {
  readonly name: string;
  readonly image?: string;
  readonly env?: readonly EnvVar[] | null;
  readonly volumeMounts?: readonly VolumeMount[] | null;
  readonly restartPolicy?: string;
}

export interface Volume extends JsonObject {
  readonly name: string;
}

export interface ObjectMeta extends JsonObject {
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>> | null;
  readonly annotations?: Readonly<Record<string, string>> | null;
}

export interface PodSpec extends JsonObject {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[] | null;
  readonly ephemeralContainers?: readonly Container[] | null;
  readonly volumes?: readonly Volume[] | null;
  readonly serviceAccountName?: string;
}

export interface Pod extends JsonObject {
  readonly metadata?: ObjectMeta | null;
  readonly spec: PodSpec;
}
