#!/usr/bin/env bash
# The manual recipe, as a team would script it without the operator: every poll, fetch the plan in full
# (s3api get-object), list each application's environments (describe-environments), and for every
# (environment, version) of the plan not migrated yet: read the environment's variables
# (describe-configuration-settings), register a task definition with the migrate image, command and
# variables (register-task-definition), and run it once (run-task). What it has done is kept in a state file.
#
# Driven by bench/run's Java harness; every setting comes from the environment:
#   ENDPOINT BUCKET KEY        where the plan is (the plan lists one "- {name: E, application: A, version: V}" per line)
#   STATE                      file of "environment version" lines already migrated (read at start, appended to)
#   WORK                       scratch directory
#   POLLS                      stop after this many polls (0: until STOP_FILE exists)
#   INTERVAL                   seconds to sleep between polls
#   STOP_FILE                  stop once this file exists
#   TIMES_FILE                 where bash's `times` (own and children's user/system CPU) is written at the end
#   CLUSTER FAMILY CONTAINER IMAGE_PREFIX SUBNET SECURITY_GROUP   what the migrate task runs on
set -u
POLLS=${POLLS:-0}
INTERVAL=${INTERVAL:-1}
STOP_FILE=${STOP_FILE:-}

awscli() { aws --endpoint-url "$ENDPOINT" "$@"; }

declare -A migrated
if [ -f "$STATE" ]; then
  while read -r e v; do migrated["$e $v"]=1; done < "$STATE"
fi

poll=0
while :; do
  if awscli s3api get-object --bucket "$BUCKET" --key "$KEY" "$WORK/plan.yaml" > /dev/null; then
    mapfile -t entries < <(sed -n 's/^ *- {name: \([^,]*\), application: \([^,]*\), version: \([^}]*\)}.*/\1 \2 \3/p' "$WORK/plan.yaml")
    for app in $(printf '%s\n' "${entries[@]}" | cut -d' ' -f2 | sort -u); do
      awscli elasticbeanstalk describe-environments --application-name "$app" \
        --query 'Environments[].[EnvironmentName,VersionLabel,Status]' --output text > "$WORK/environments-$app.txt"
    done
    for entry in "${entries[@]}"; do
      read -r env app version <<< "$entry"
      [ -n "${migrated["$env $version"]:-}" ] && continue
      vars=$(awscli elasticbeanstalk describe-configuration-settings --application-name "$app" --environment-name "$env" \
        --query "ConfigurationSettings[0].OptionSettings[?Namespace=='aws:elasticbeanstalk:application:environment'].{name: OptionName, value: Value}" \
        --output json) || continue
      containers=$(printf '[{"name": "%s", "image": "%s:%s", "essential": true, "command": ["python", "manage.py", "migrate", "--noinput"], "environment": %s}]' \
        "$CONTAINER" "$IMAGE_PREFIX" "$version" "$vars")
      definition=$(awscli ecs register-task-definition --family "$FAMILY-manual-migrate" --network-mode awsvpc \
        --requires-compatibilities FARGATE --cpu 256 --memory 512 --container-definitions "$containers" \
        --query taskDefinition.taskDefinitionArn --output text) || continue
      awscli ecs run-task --cluster "$CLUSTER" --task-definition "$definition" --launch-type FARGATE \
        --network-configuration "awsvpcConfiguration={subnets=[$SUBNET],securityGroups=[$SECURITY_GROUP],assignPublicIp=DISABLED}" \
        --started-by manual-recipe \
        --tags "key=beanstalk-migrator:environment,value=$env" "key=beanstalk-migrator:version,value=$version" > /dev/null || continue
      migrated["$env $version"]=1
      echo "$env $version" >> "$STATE"
    done
  fi
  poll=$((poll + 1))
  if [ "$POLLS" -gt 0 ] && [ "$poll" -ge "$POLLS" ]; then break; fi
  if [ -n "$STOP_FILE" ] && [ -e "$STOP_FILE" ]; then break; fi
  sleep "$INTERVAL"
done
times > "$TIMES_FILE"
