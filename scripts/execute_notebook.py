"""Execute one notebook headless on a kernel and render it to HTML; called by src/notebook/execute.ts.

Python because Jupyter's executor (nbclient) and renderer (nbconvert) are Python libraries.
Stops at the first failing cell (tslab aborts the cells that follow one anyway), still writes the
partly executed notebook and its HTML, and prints one JSON line: {"ok", "failed_cell", "error"}.

usage: execute_notebook.py NOTEBOOK OUT_IPYNB OUT_HTML KERNEL TIMEOUT_S
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter


class TrackingClient(NotebookClient):
    """Remembers the index of the cell being executed, so a failure can name it."""

    current = -1

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        self.current = cell_index
        return await super().async_execute_cell(cell, cell_index, *args, **kwargs)


def stream_text(cell, name):
    return "".join(
        o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == name
    )


def main():
    src, out_ipynb, out_html, kernel, timeout = sys.argv[1:6]
    nb = nbformat.read(src, as_version=4)
    client = TrackingClient(
        nb,
        kernel_name=kernel,
        timeout=int(timeout),
        startup_timeout=120,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
    )
    result = {"ok": True, "failed_cell": None, "error": None}
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        i = client.current
        cell = nb.cells[i] if 0 <= i < len(nb.cells) else {"source": "", "outputs": []}
        # tslab reports compile errors on stderr with an empty "<Error>" name; keep what says something.
        ename = getattr(e, "ename", "") or ""
        evalue = getattr(e, "evalue", "") or ""
        detail = f"{ename}: {evalue}" if evalue else ("" if ename in ("", "<Error>") else ename)
        stderr = stream_text(cell, "stderr").strip()
        if isinstance(e, CellTimeoutError):
            detail = f"timed out after {timeout} s"
        elif isinstance(e, DeadKernelError):
            detail = "the kernel died: " + str(e).splitlines()[0]
        result = {
            "ok": False,
            "failed_cell": {
                "index": i + 1,
                "code_index": sum(1 for c in nb.cells[: i + 1] if c.cell_type == "code"),
                "first_line": ((cell.get("source") or "").strip().splitlines() or [""])[0],
                "source": cell.get("source") or "",
            },
            "error": "\n".join(x for x in [detail, stderr] if x) or type(e).__name__,
        }
    nbformat.write(nb, out_ipynb)
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    with open(out_html, "w", encoding="utf-8") as f:
        f.write(html)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
