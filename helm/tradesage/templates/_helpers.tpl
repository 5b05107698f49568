{{- define "tradesage.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tradesage.secretName" -}}
{{- default (printf "%s-secrets" (include "tradesage.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Labels that pick one component's pods; called with (dict "root" $ "component" <name>). */}}
{{- define "tradesage.selectorLabels" -}}
app.kubernetes.io/name: tradesage
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Called with (dict "root" $ "component" <name>). */}}
{{- define "tradesage.labels" -}}
{{ include "tradesage.selectorLabels" . }}
app.kubernetes.io/part-of: tradesage
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "tradesage.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tradesage.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Which Secret keys each component gets: only what it uses, so that the router, which faces the
internet, never holds the token-signing keys or the mail, OIDC and S3 credentials. `required`
keys must be in the Secret (from values, or in the existingSecret); the others may be absent.
*/}}
{{- define "tradesage.secretKeys" -}}
required: [DATABASE_URL, REDIS_URL, JWT_PRIVATE_KEYS, SMTP_URL]
optional:
  - TENANT_DB_PASSWORD
  - OIDC_CLIENT_SECRET
  - BOOTSTRAP_OPERATOR_EMAIL
  - BOOTSTRAP_OPERATOR_PASSWORD
  - S3_ACCESS_KEY_ID
  - S3_SECRET_ACCESS_KEY
components:
  router: [DATABASE_URL, REDIS_URL, TENANT_DB_PASSWORD]
  auth:
    - DATABASE_URL
    - REDIS_URL
    - TENANT_DB_PASSWORD
    - JWT_PRIVATE_KEYS
    - SMTP_URL
    - OIDC_CLIENT_SECRET
    - BOOTSTRAP_OPERATOR_EMAIL
    - BOOTSTRAP_OPERATOR_PASSWORD
  tenant: [DATABASE_URL, REDIS_URL, TENANT_DB_PASSWORD, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY]
  user: [DATABASE_URL, REDIS_URL, TENANT_DB_PASSWORD]
  session: [DATABASE_URL, REDIS_URL, TENANT_DB_PASSWORD]
  migrate: [DATABASE_URL, TENANT_DB_PASSWORD]
{{- end -}}

{{/*
A container's env beyond the ConfigMap: its Secret keys, and for every service but auth the
JWKS to verify tokens with (only auth holds the signing keys; it publishes their public half).
Called with (dict "root" $ "component" <name> "secretName" <the Secret to read>).
*/}}
{{- define "tradesage.env" -}}
{{- $keys := include "tradesage.secretKeys" .root | fromYaml -}}
{{- range $key := index $keys.components .component }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $.secretName }}
      key: {{ $key }}
      {{- if not (has $key $keys.required) }}
      optional: true
      {{- end }}
{{- end }}
{{- if and (hasKey .root.Values.services .component) (ne .component "auth") }}
- name: JWT_JWKS_URL
  value: {{ printf "http://%s-auth:%v/.well-known/jwks.json" (include "tradesage.fullname" .root) .root.Values.services.auth.port | quote }}
{{- end }}
{{- end -}}

{{/*
The migration Job's env: the settings inline, not from the ConfigMap, which a pre-install hook
runs before. Called with (dict "root" $ "secretName" <the Secret to read>).
*/}}
{{- define "tradesage.migrateEnv" -}}
{{- range $key, $value := .root.Values.config }}
{{- if $value }}
- name: {{ $key }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}
{{- include "tradesage.env" (dict "root" .root "component" "migrate" "secretName" .secretName) }}
{{- end -}}
