// A load generator for the webhook benchmarks. Go, because Go's net/http client is the
// client the kube-apiserver uses to call webhooks, and it leaves the CPU to the server.
module sidecar-injector/bench/loadgen

go 1.26.0
