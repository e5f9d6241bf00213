#!/bin/sh
exec /bin/sh -l
