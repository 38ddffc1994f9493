#!/usr/bin/env bash
# CI job test-data: validates the clean ratings of the version this commit names. With a DVC remote
# configured (.dvc/config) and the pointer committed (data/clean_rating.csv.dvc), the file is pulled
# from the remote; otherwise the committed fixture (data/sample/ratings.csv, same clean format) is
# checked. The first line says which, so a green job never hides that it checked the fixture.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

POINTER=data/clean_rating.csv.dvc
FIXTURE="${TEST_DATA_FIXTURE:-data/sample/ratings.csv}"

if [[ -f .dvc/config && -f "$POINTER" ]]; then
  echo "test-data: source DVC: pulling ${POINTER%.dvc} from the DVC remote"
  npx tsx scripts/ci/dvc-pull.ts "$POINTER"
  # --previous-count auto compares with the version committed at HEAD (meta.rows of the pointer)
  npx tsx services/pipeline/cli/check-data.ts --data-dir data
else
  echo "test-data: source fixture: no DVC remote or no $POINTER committed; checking $FIXTURE"
  npx tsx services/pipeline/cli/check-data.ts --file "$FIXTURE" --previous-count 0
fi
