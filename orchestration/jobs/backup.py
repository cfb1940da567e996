"""The daily backup: a job (not an asset: a backup is a copy, not data others depend on)."""

import dagster as dg

from fitelt.admin.backup import create_backup, list_backups
from orchestration.resources.warehouse import WarehouseResource


@dg.op(description="pg_dump of the warehouse + tar of the archived files, rotated.")
def warehouse_backup(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> str:
    settings = warehouse.settings
    folder = create_backup(settings, warehouse.warehouse().admin)
    kept = list_backups(settings)
    context.log.info("backup %s written; %d kept", folder.name, len(kept))
    context.add_output_metadata(
        {
            "backup": folder.name,
            "backups_kept": len(kept),
            "path": dg.MetadataValue.path(str(folder)),
        }
    )
    return str(folder)


@dg.job(description="Back up the warehouse and the archived raw files.")
def backup_job() -> None:
    warehouse_backup()
