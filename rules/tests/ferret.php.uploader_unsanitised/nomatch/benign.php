<?php
move_uploaded_file($_FILES['f']['tmp_name'], '/var/uploads/' . bin2hex(random_bytes(8)) . '.jpg');
