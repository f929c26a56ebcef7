/**
 * The apiserver refuses objects over ~3 MiB, and the injector only reviews CREATE (one
 * object, no oldObject), so 4 MiB fits every review a cluster can send while keeping
 * 256 concurrent worst-case bodies around 1 GiB.
 */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Real pods nest about 15 levels; anything far deeper is an attack on recursive code. */
export const MAX_JSON_DEPTH = 100;
