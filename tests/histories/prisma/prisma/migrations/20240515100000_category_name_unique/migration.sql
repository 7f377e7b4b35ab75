-- CreateIndex
CREATE UNIQUE INDEX "Category_name_key" ON "Category"("name");
