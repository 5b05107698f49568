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
internet, never holds the token-signing keys, the keys of secrets at rest (SECRETS_KEYS: auth
alone) or the mail, OIDC and S3 credentials. `required` keys must be in the Secret (from values,
or in the existingSecret); the others may be absent.
With PgBouncer on, the services' DATABASE_URL is the Secret's PGBOUNCER_DATABASE_URL (see
tradesage.env); the migration Job and PgBouncer itself get Postgres's own DATABASE_URL.
*/}}
{{- define "tradesage.secretKeys" -}}
required: [DATABASE_URL, REDIS_URL, JWT_PRIVATE_KEYS, SECRETS_KEYS, SMTP_URL]
optional:
  - TENANT_DB_PASSWORD
  - OIDC_CLIENT_SECRET
  - BOOTSTRAP_OPERATOR_EMAIL
  - BOOTSTRAP_OPERATOR_PASSWORD
  - PSEUDONYM_KEY
  - S3_ACCESS_KEY_ID
  - S3_SECRET_ACCESS_KEY
components:
  router: [DATABASE_URL, REDIS_URL, TENANT_DB_PASSWORD]
  auth:
    - DATABASE_URL
    - REDIS_URL
    - TENANT_DB_PASSWORD
    - JWT_PRIVATE_KEYS
    - SECRETS_KEYS
    - SMTP_URL
    - OIDC_CLIENT_SECRET
    - BOOTSTRAP_OPERATOR_EMAIL
    - BOOTSTRAP_OPERATOR_PASSWORD
    - PSEUDONYM_KEY
  tenant: [DATABASE_URL, REDIS_URL, TENANT_DB_PASSWORD, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY]
  user: [DATABASE_URL, REDIS_URL, TENANT_DB_PASSWORD]
  session: [DATABASE_URL, REDIS_URL, TENANT_DB_PASSWORD]
  migrate: [DATABASE_URL, TENANT_DB_PASSWORD]
  pgbouncer: [DATABASE_URL, TENANT_DB_PASSWORD]
{{- end -}}

{{/*
A container's env beyond the ConfigMap: its Secret keys, and for every service but auth the
JWKS to verify tokens with (only auth holds the signing keys; it publishes their public half).
Called with (dict "root" $ "component" <name> "secretName" <the Secret to read>).
*/}}
{{- define "tradesage.env" -}}
{{- $keys := include "tradesage.secretKeys" .root | fromYaml -}}
{{- $pooled := and .root.Values.pgbouncer.enabled (hasKey .root.Values.services .component) -}}
{{- range $key := index $keys.components .component }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $.secretName }}
      key: {{ if and $pooled (eq $key "DATABASE_URL") }}PGBOUNCER_DATABASE_URL{{ else }}{{ $key }}{{ end }}
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

{{/*
The services' DATABASE_URL with PgBouncer on: secrets.DATABASE_URL's login and database, at
PgBouncer's Service. No query: its sslmode is for Postgres, which PgBouncer connects to with it
(pgbouncer-config.mjs); the services reach PgBouncer inside the cluster.
*/}}
{{- define "tradesage.pgbouncerUrl" -}}
{{- $db := urlParse .Values.secrets.DATABASE_URL -}}
{{- $host := printf "%s-pgbouncer:%v" (include "tradesage.fullname" .) .Values.pgbouncer.port -}}
{{- urlJoin (dict "scheme" $db.scheme "userinfo" $db.userinfo "host" $host "path" $db.path) -}}
{{- end -}}

{{/*
PgBouncer's settings. Its init container appends the server's TLS mode and the [databases]
entry, and writes the userlist, from the Secret (pgbouncer-config.mjs in templates/pgbouncer.yaml).
*/}}
{{- define "tradesage.pgbouncerIni" -}}
[pgbouncer]
listen_addr = *
listen_port = {{ .Values.pgbouncer.port }}
; TCP only: the root filesystem is read-only.
unix_socket_dir =
auth_type = scram-sha-256
auth_file = /etc/pgbouncer/userlist.txt
; transaction: a server connection serves a client for one transaction at a time. The data
; layer keeps nothing on a session between transactions (tenant scope is SET LOCAL, advisory
; locks are transaction-scoped).
pool_mode = {{ .Values.pgbouncer.poolMode }}
; Per database and login: the service login and the tenant login each have a pool.
default_pool_size = {{ .Values.pgbouncer.poolSize }}
max_db_connections = {{ .Values.pgbouncer.maxDbConnections }}
max_client_conn = {{ .Values.pgbouncer.maxClientConn }}
; Refused unless ignored: extra_float_digits (pgjdbc and others send it) and options (-c ...).
ignore_startup_parameters = extra_float_digits,options
{{- end -}}
