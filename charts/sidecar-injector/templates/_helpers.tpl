{{/* The release's name for its objects: the release name when it already says sidecar-injector. */}}
{{- define "sidecar-injector.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The labels k8s/kustomization.yaml puts on every object and pod template. */}}
{{- define "sidecar-injector.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: {{ .Chart.Name }}
{{- end -}}

{{- define "sidecar-injector.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
webhook.namespaceSelector (a metav1.LabelSelector) in NAMESPACE_SELECTOR's syntax: k=v, k, !k,
k!=v (NotIn, one term per value: the same set), and `k in (a,b)` for In with several values.
*/}}
{{- define "sidecar-injector.namespaceSelector" -}}
{{- $terms := list -}}
{{- $selector := .Values.webhook.namespaceSelector | default (dict "matchLabels" (dict "sidecar-injector" "enabled")) -}}
{{- range $key, $value := ($selector.matchLabels | default dict) -}}
{{- $terms = append $terms (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- range ($selector.matchExpressions | default list) -}}
{{- if eq .operator "Exists" -}}
{{- $terms = append $terms .key -}}
{{- else if eq .operator "DoesNotExist" -}}
{{- $terms = append $terms (printf "!%s" .key) -}}
{{- else if eq .operator "NotIn" -}}
{{- $key := .key -}}
{{- range $value := .values -}}
{{- $terms = append $terms (printf "%s!=%s" $key $value) -}}
{{- end -}}
{{- else if eq (len .values) 1 -}}
{{- $terms = append $terms (printf "%s=%s" .key (first .values)) -}}
{{- else -}}
{{- $terms = append $terms (printf "%s in (%s)" .key (join "," .values)) -}}
{{- end -}}
{{- end -}}
{{- if not $terms -}}
{{- fail "webhook.namespaceSelector selects every namespace: give it matchLabels or matchExpressions" -}}
{{- end -}}
{{- join "," $terms -}}
{{- end -}}

{{/* The service's environment (README.md, "Configuration"), as the env ConfigMap holds it. */}}
{{- define "sidecar-injector.env" -}}
{{- $env := dict
  "WEBHOOK_NAME" .Values.webhook.name
  "TLS_SECRET_NAME" .Values.tls.secretName
  "NAMESPACE_SELECTOR" (include "sidecar-injector.namespaceSelector" .)
  "WEBHOOK_FAILURE_POLICY" .Values.webhook.failurePolicy
  "WEBHOOK_TIMEOUT_SECONDS" (toString .Values.webhook.timeoutSeconds)
  "WEBHOOK_REGISTRATION" .Values.webhook.registration
  "LOG_LEVEL" .Values.logLevel
-}}
{{- if ne .Values.webhook.reinvocationPolicy "Never" }}{{ $_ := set $env "WEBHOOK_REINVOCATION_POLICY" .Values.webhook.reinvocationPolicy }}{{ end -}}
{{- if .Values.webhook.cleanupOnShutdown }}{{ $_ := set $env "WEBHOOK_CLEANUP_ON_SHUTDOWN" "true" }}{{ end -}}
{{- if ne .Values.tls.mode "self-signed" }}{{ $_ := set $env "TLS_MODE" .Values.tls.mode }}{{ $_ := unset $env "TLS_SECRET_NAME" }}{{ end -}}
{{- with .Values.tls.certValidity }}{{ $_ := set $env "TLS_CERT_VALIDITY" . }}{{ end -}}
{{- with .Values.tls.caValidity }}{{ $_ := set $env "TLS_CA_VALIDITY" . }}{{ end -}}
{{- with .Values.tls.renewBefore }}{{ $_ := set $env "TLS_RENEW_BEFORE" . }}{{ end -}}
{{- range $key, $value := .Values.extraEnv }}{{ $_ := set $env $key (toString $value) }}{{ end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* Named after its content, as kustomize's configMapGenerator names it: a change rolls the Deployment. */}}
{{- define "sidecar-injector.envConfigMapName" -}}
{{- printf "%s-env-%s" (include "sidecar-injector.fullname" .) (include "sidecar-injector.env" . | sha256sum | trunc 10) -}}
{{- end -}}

{{- define "sidecar-injector.tlsSecretName" -}}
{{- if eq .Values.tls.mode "self-signed" -}}{{ .Values.tls.secretName }}
{{- else if .Values.tls.certManager.enabled -}}{{ .Values.tls.secretName }}
{{- else -}}{{ required "tls.existingSecret is required in files mode without certManager" .Values.tls.existingSecret }}
{{- end -}}
{{- end -}}
