{{- define "tradesage.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tradesage.secretName" -}}
{{- default (printf "%s-secrets" (include "tradesage.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}
