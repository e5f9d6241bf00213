<?php
// benign: docs mention Perl sockets but nothing is written or run
echo "Perl programs often say: use Socket;";
