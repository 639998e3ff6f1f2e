import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type RowSelectionState,
} from '@tanstack/react-table';
import { useMemo } from 'react';

/**
 * A column of any value type: TanStack's column helpers type each accessor's value, and a table mixes
 * them, which `unknown` would refuse (its own docs use `any` here).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Column<T> = ColumnDef<T, any>;

interface DataTableProps<T> {
  /** What the table lists, for screen readers (the table's caption). */
  caption: string;
  rows: T[];
  columns: Column<T>[];
  rowId: (row: T) => string;
  /** Shown in place of the rows when there are none. */
  empty: string;
  /** With these, each row gets a labelled checkbox and the header a select-all box. */
  selection?: {
    selected: RowSelectionState;
    onChange: (next: RowSelectionState) => void;
    label: (row: T) => string;
  };
}

/** A table rendered with TanStack Table: plain semantic markup, optional row selection. */
export function DataTable<T>({ caption, rows, columns, rowId, empty, selection }: DataTableProps<T>) {
  const allColumns = useMemo<Column<T>[]>(() => {
    if (!selection) return columns;
    const select: Column<T> = {
      id: 'select',
      header: ({ table }) => (
        <input
          type="checkbox"
          aria-label="Select all rows on this page"
          checked={table.getIsAllRowsSelected()}
          ref={(el) => {
            if (el) el.indeterminate = table.getIsSomeRowsSelected();
          }}
          onChange={table.getToggleAllRowsSelectedHandler()}
        />
      ),
      cell: ({ row }) => (
        <input
          type="checkbox"
          aria-label={selection.label(row.original)}
          checked={row.getIsSelected()}
          onChange={row.getToggleSelectedHandler()}
        />
      ),
    };
    return [select, ...columns];
  }, [columns, selection]);

  const table = useReactTable({
    data: rows,
    columns: allColumns,
    getRowId: rowId,
    getCoreRowModel: getCoreRowModel(),
    enableRowSelection: selection !== undefined,
    state: selection ? { rowSelection: selection.selected } : {},
    onRowSelectionChange: (updater) => {
      if (!selection) return;
      selection.onChange(typeof updater === 'function' ? updater(selection.selected) : updater);
    },
  });

  return (
    <div className="table-scroll">
      <table className="data">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col">
                  {header.isPlaceholder
                    ? null
                    : flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.length === 0 ? (
            <tr>
              <td colSpan={allColumns.length} className="empty">
                {empty}
              </td>
            </tr>
          ) : (
            table.getRowModel().rows.map((row) => (
              <tr key={row.id} className={row.getIsSelected() ? 'selected' : undefined}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
