/** Every annotation and label key the injector reads or writes lives under this prefix. */
export const INJECTOR_ANNOTATION_PREFIX = 'sidecar-injector.io/';

/** Pod opt-out (annotation or label): "false" means never inject. */
export const INJECT_KEY = `${INJECTOR_ANNOTATION_PREFIX}inject`;
/** Pod's choice of sidecars: a comma-separated list of template names. */
export const SIDECARS_KEY = `${INJECTOR_ANNOTATION_PREFIX}sidecars`;
/** Written by the injector: what it injected. Its presence makes injection idempotent. */
export const STATUS_KEY = `${INJECTOR_ANNOTATION_PREFIX}status`;
/** Pod annotations `sidecar-injector.io/params.<sidecar>.<parameter>` set a template's declared parameters. */
export const PARAMS_PREFIX = `${INJECTOR_ANNOTATION_PREFIX}params.`;
